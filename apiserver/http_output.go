package apiserver

import (
	"net/http"
	"net/url"

	"github.com/kubemem/kubemem/internal/jsontree"
	"github.com/kubemem/kubemem/internal/kubepb"
	"github.com/kubemem/kubemem/types"
)

// writeObject writes one object in the negotiated form.
func (h *handler) writeObject(w http.ResponseWriter, code int, r *Resource, obj *types.Object, out output, q url.Values) error {
	var body []byte
	switch out.form {
	case outputTable:
		t := h.newTable(r, []*types.Object{obj}, q)
		t.ListMeta.ResourceVersion = obj.ResourceVersion()
		body = t.appendJSON(nil)
	case outputPartialMetadata:
		body = appendPartialMetadata(nil, obj)
		if out.protobuf {
			return writeProtobuf(w, code, "meta.k8s.io/v1", "PartialObjectMetadata", body)
		}
	case outputPartialMetadataList:
		return wrongPartialForm("PartialObjectMetadataList", "not a list")
	default:
		body = obj.AppendJSON(make([]byte, 0, obj.EncodedLen()))
		if out.protobuf {
			return writeProtobuf(w, code, r.GVR.GroupVersion().String(), r.Kind, body)
		}
	}
	writeJSON(w, code, body)
	return nil
}

// writeProtobuf writes the protobuf form of doc, the JSON of an object of the kind.
func writeProtobuf(w http.ResponseWriter, code int, apiVersion, kind string, doc []byte) error {
	pb, err := kubepb.AppendObject(nil, apiVersion, kind, doc)
	if err != nil {
		return types.NewInternalError(err)
	}
	writeBody(w, code, mediaProtobuf, pb)
	return nil
}

// wrongPartialForm is kube-apiserver's 406 for a metadata form that does not fit the response (the list form for
// one object, or the reverse), worded as its handlers word it.
func wrongPartialForm(asked, got string) error {
	return &types.StatusError{ErrStatus: types.Status{Status: types.StatusFailure, Code: http.StatusNotAcceptable,
		Reason: types.StatusReasonNotAcceptable, Message: "you requested " + asked + ", but the requested object is " + got}}
}

// writeList writes a list in the negotiated form.
func (h *handler) writeList(w http.ResponseWriter, r *Resource, l *types.List, out output, q url.Values) error {
	switch out.form {
	case outputTable:
		t := h.newTable(r, l.Items, q)
		t.ListMeta = l.ListMeta
		writeJSON(w, http.StatusOK, t.appendJSON(nil))
	case outputPartialMetadata:
		return wrongPartialForm("PartialObjectMetadata", "a list")
	case outputPartialMetadataList:
		if out.protobuf {
			return writeProtobufList(w, "meta.k8s.io/v1", "PartialObjectMetadataList", l, func(o *types.Object, b []byte) []byte {
				return appendPartialMetadata(b, o)
			})
		}
		b := []byte(`{"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/v1",`)
		b = types.AppendListMeta(b, &l.ListMeta)
		b = append(b, `,"items":[`...)
		for i, o := range l.Items {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendPartialMetadata(b, o)
		}
		writeJSON(w, http.StatusOK, append(b, "]}"...))
	default:
		if out.protobuf {
			return writeProtobufList(w, r.GVR.GroupVersion().String(), r.ListKind, l, (*types.Object).AppendJSON)
		}
		size := 256
		for _, o := range l.Items {
			size += o.EncodedLen() + 1
		}
		writeJSON(w, http.StatusOK, l.AppendJSON(make([]byte, 0, size)))
	}
	return nil
}

// writeProtobufList writes the protobuf form of a list, each item's JSON appended by item.
func writeProtobufList(w http.ResponseWriter, apiVersion, listKind string, l *types.List, item func(*types.Object, []byte) []byte) error {
	const member = `"metadata":`
	metaDoc := types.AppendListMeta(nil, &l.ListMeta)[len(member):] // the member's value
	size := 256
	for _, o := range l.Items {
		size += o.EncodedLen()
	}
	pb, err := kubepb.AppendList(make([]byte, 0, size), apiVersion, listKind, metaDoc, len(l.Items), func(i int, b []byte) []byte {
		return item(l.Items[i], b)
	})
	if err != nil {
		return types.NewInternalError(err)
	}
	writeBody(w, http.StatusOK, mediaProtobuf, pb)
	return nil
}

// appendPartialMetadata appends the meta.k8s.io/v1 PartialObjectMetadata form of obj: its metadata only.
func appendPartialMetadata(b []byte, obj *types.Object) []byte {
	meta := types.NewObject(types.TypeMeta{Kind: "PartialObjectMetadata", APIVersion: "meta.k8s.io/v1"}, obj.Meta())
	return meta.AppendJSON(b)
}

// table is a meta.k8s.io/v1 Table.
type table struct {
	ListMeta types.ListMeta
	Columns  []tableColumn
	Rows     []tableRow
}

// tableColumn is a Table's column definition.
type tableColumn struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Format      string `json:"format"`
	Description string `json:"description"`
	Priority    int    `json:"priority"`
}

// tableRow is one row: its cells and, as the request's includeObject says, the object or its metadata.
type tableRow struct {
	Cells  []any
	Object []byte // raw JSON, or nil
}

func (t *table) appendJSON(b []byte) []byte {
	b = append(b, `{"kind":"Table","apiVersion":"meta.k8s.io/v1",`...)
	b = types.AppendListMeta(b, &t.ListMeta)
	b = append(b, `,"columnDefinitions":`...)
	b, _ = jsontree.Append(b, columnsAsTree(t.Columns))
	b = append(b, `,"rows":[`...)
	for i, row := range t.Rows {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"cells":`...)
		b, _ = jsontree.Append(b, row.Cells)
		if row.Object != nil {
			b = append(b, `,"object":`...)
			b = append(b, row.Object...)
		}
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

func columnsAsTree(cols []tableColumn) []any {
	out := make([]any, len(cols))
	for i, c := range cols {
		out[i] = map[string]any{"name": c.Name, "type": c.Type, "format": c.Format, "description": c.Description, "priority": int64(c.Priority)}
	}
	return out
}

// newTable converts objects into a Table with the resource's columns.
func (h *handler) newTable(r *Resource, objs []*types.Object, q url.Values) *table {
	p := r.printer()
	t := &table{Columns: p.columns, Rows: make([]tableRow, 0, len(objs))}
	now := h.s.clock.Now()
	for _, o := range objs {
		u, err := o.Unstructured()
		if err != nil {
			u = types.Unstructured{}
		}
		row := tableRow{Cells: p.cells(u, o, now)}
		switch q.Get("includeObject") {
		case "None":
		case "Object":
			row.Object = o.JSON()
		default:
			row.Object = appendPartialMetadata(nil, o)
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}
