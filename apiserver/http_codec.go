package apiserver

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/kubemem/kubemem/internal/kubepb"
	"github.com/kubemem/kubemem/types"
)

// MaxRequestBodyBytes is the largest request body accepted, kube-apiserver's default --max-request-body-bytes.
const MaxRequestBodyBytes = 3 << 20

// Media types.
const (
	mediaJSON     = "application/json"
	mediaYAML     = "application/yaml"
	mediaProtobuf = "application/vnd.kubernetes.protobuf"
)

// outputKind is the response form a request asked for in its Accept header.
type outputKind uint8

const (
	outputObject              outputKind = iota // the object or list as stored
	outputTable                                 // meta.k8s.io/v1 Table
	outputPartialMetadata                       // meta.k8s.io/v1 PartialObjectMetadata (one object, or watch events)
	outputPartialMetadataList                   // meta.k8s.io/v1 PartialObjectMetadataList
)

// output is a negotiated response: its form and whether it is protobuf rather than JSON.
type output struct {
	form     outputKind
	protobuf bool
}

// hasProtobuf reports whether the objects of r have a protobuf form: built-in kinds do, custom resources never
// (kube-apiserver serves them as JSON only).
func (h *handler) hasProtobuf(r *Resource) bool {
	if v, ok := h.protobufKinds.Load(r); ok {
		return v.(bool)
	}
	_, ok := kubepb.SchemaFor(r.GVR.GroupVersion().String(), r.Kind)
	h.protobufKinds.Store(r, ok)
	return ok
}

// negotiate picks the response form from the Accept header: the first acceptable media range wins (kube-apiserver
// honours order, not q-values, among the forms it serves). Protobuf is served for built-in kinds as the object, and
// for every resource as its metadata (meta.k8s.io kinds have a protobuf form, and kube-apiserver serves custom
// resources' PartialObjectMetadata in protobuf too); Table only as JSON, as kube-apiserver does. Nothing acceptable
// is a 406.
func (h *handler) negotiate(r *http.Request, res *Resource) (output, error) {
	accept := r.Header.Get("Accept")
	if accept == "" {
		return output{}, nil
	}
	pb := res != nil && h.hasProtobuf(res)
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		protobuf := false
		switch mt {
		case mediaJSON, "*/*", "application/*":
		case mediaProtobuf:
			protobuf = true
		default:
			continue
		}
		metaGV := params["g"] == "meta.k8s.io" && (params["v"] == "v1" || params["v"] == "v1beta1")
		switch params["as"] {
		case "":
			if protobuf && !pb {
				continue
			}
			return output{outputObject, protobuf}, nil
		case "Table":
			if metaGV && !protobuf {
				return output{outputTable, false}, nil
			}
		case "PartialObjectMetadata":
			if metaGV {
				return output{outputPartialMetadata, protobuf}, nil
			}
		case "PartialObjectMetadataList":
			if metaGV {
				return output{outputPartialMetadataList, protobuf}, nil
			}
		}
	}
	// kube-apiserver lists its serializers' media types (negotiation.MediaTypesForSerializer), which are the same
	// for built-in kinds and custom resources.
	return output{}, types.NewNotAcceptable([]string{mediaJSON, mediaYAML, mediaProtobuf})
}

// acceptsProtobuf reports whether a response that has only one form (a Status, a Scale, an object after a delete)
// should be protobuf: the form has a protobuf encoding (served) and the first media range of the Accept header that
// kubemem serves is protobuf.
func acceptsProtobuf(r *http.Request, served bool) bool {
	return served && firstServedIsProtobuf(r.Header.Get("Accept"), false)
}

// errorInProtobuf reports whether the Status of a failed request should be protobuf. kube-apiserver writes errors
// with responsewriters.ErrorNegotiated, which negotiates under the default endpoint restrictions: a media range
// asking for another form (as=Table, as=PartialObjectMetadata, ...) is skipped, so a metadata client or a protobuf
// Table request gets its error in JSON. A Status has a protobuf form and the serializers of custom resources include
// protobuf, so the rest of the header decides for every resource.
func errorInProtobuf(r *http.Request) bool {
	return firstServedIsProtobuf(r.Header.Get("Accept"), true)
}

// firstServedIsProtobuf reports whether the first media range of accept that kubemem serves is protobuf, skipping
// ranges with an "as" parameter when skipConversions is set.
func firstServedIsProtobuf(accept string, skipConversions bool) bool {
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil || skipConversions && params["as"] != "" {
			continue
		}
		switch mt {
		case mediaProtobuf:
			return true
		case mediaJSON, "*/*", "application/*":
			return false
		}
	}
	return false
}

// readBody reads a request body of at most MaxRequestBodyBytes and returns it as JSON: a JSON body as it is, a
// protobuf body decoded when the body's kind has a protobuf form (pb). Other media types are a 415.
func readBody(r *http.Request, pb bool) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		switch {
		case err == nil && (mt == mediaJSON || strings.HasSuffix(mt, "+json")):
		case err == nil && mt == mediaProtobuf && pb:
			data, err := readRawBody(r)
			if err != nil || len(data) == 0 {
				return data, err
			}
			_, _, doc, err := kubepb.DecodeObject(data)
			if err != nil {
				return nil, types.NewBadRequest("unable to decode the protobuf body: " + err.Error())
			}
			return doc, nil
		default:
			accepted := []string{mediaJSON, mediaYAML}
			if pb {
				accepted = append(accepted, mediaProtobuf)
			}
			return nil, types.NewUnsupportedMediaType(accepted)
		}
	}
	return readRawBody(r)
}

// readRawBody reads a request body of at most MaxRequestBodyBytes, whatever its media type.
func readRawBody(r *http.Request) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r.Body, MaxRequestBodyBytes+1))
	if err != nil {
		return nil, types.NewBadRequest("unable to read the request body: " + err.Error())
	}
	if len(data) > MaxRequestBodyBytes {
		return nil, types.NewRequestEntityTooLarge("limit is " + strconv.Itoa(MaxRequestBodyBytes))
	}
	return data, nil
}

// decodeObject parses a request body into an object.
func decodeObject(data []byte) (*types.Object, error) {
	if len(strings.TrimSpace(string(data))) == 0 {
		return nil, types.NewBadRequest("the body of the request was empty")
	}
	obj, err := types.ParseObject(data)
	if err != nil {
		if errors.Is(err, types.ErrNotObject) {
			return nil, types.NewBadRequest("couldn't get version/kind; json parse error: the body is not a JSON object")
		}
		return nil, types.NewBadRequest("couldn't get version/kind; json parse error: " + err.Error())
	}
	return obj, nil
}

// writeJSON writes a JSON body with the status code.
func writeJSON(w http.ResponseWriter, code int, body []byte) { writeBody(w, code, mediaJSON, body) }

// writeError writes err as a JSON Status with its code, and Retry-After when the Status asks for one (SEMANTICS
// S-2).
func writeError(w http.ResponseWriter, err error) { writeStatusError(w, err, false) }

// writeStatusError writes err as a Status, in protobuf when protobuf is set.
func writeStatusError(w http.ResponseWriter, err error, protobuf bool) {
	st := types.StatusFromError(err)
	if st.Details != nil && st.Details.RetryAfterSeconds > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(st.Details.RetryAfterSeconds)))
	}
	code := int(st.Code)
	if code == 0 {
		code = http.StatusInternalServerError
	}
	writeStatus(w, code, st, protobuf)
}

// writeStatus writes a Status (kind Status, apiVersion v1) with the code, in protobuf when protobuf is set.
func writeStatus(w http.ResponseWriter, code int, st types.Status, protobuf bool) {
	st.TypeMeta = types.TypeMeta{Kind: "Status", APIVersion: "v1"}
	body, _ := json.Marshal(st) // a Status holds only strings, numbers and slices of them
	if protobuf {
		if pb, err := kubepb.AppendObject(nil, "v1", "Status", body); err == nil {
			writeBody(w, code, mediaProtobuf, pb)
			return
		}
	}
	writeJSON(w, code, body)
}

// writeBody writes a body of the media type with the status code.
func writeBody(w http.ResponseWriter, code int, mediaType string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", mediaType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	_, _ = w.Write(body)
}
