package apiserver

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/kubemem/kubemem/types"
)

// serveSubresource runs a request on status, scale, or a pod's log, binding or eviction.
func (h *handler) serveSubresource(ctx context.Context, w http.ResponseWriter, r *http.Request, c *ResourceClient, info requestInfo, q url.Values) error {
	res := c.r
	if info.name == "" || !res.HasSubresource(info.subresource) {
		return notFound()
	}
	unsupported := types.NewMethodNotSupported(types.GroupResource{Group: res.GVR.Group, Resource: res.GVR.Resource + "/" + info.subresource}, info.verb)
	switch info.subresource {
	case "status":
		switch info.verb {
		case "get":
			return h.get(ctx, w, r, c, info.name, q)
		case "update":
			return h.putSubresource(ctx, w, r, res, info.name, q, c.UpdateStatus)
		case "patch":
			return h.patch(ctx, w, r, c, info.name, q, c.PatchStatus)
		}
	case "finalize":
		if info.verb == "update" {
			return h.putSubresource(ctx, w, r, res, info.name, q, c.Finalize)
		}
	case "scale":
		switch info.verb {
		case "get":
			scale, err := c.GetScale(ctx, info.name, GetOptions{ResourceVersion: q.Get("resourceVersion")})
			if err != nil {
				return err
			}
			return writeScale(w, r, scale)
		case "update":
			obj, err := readNamedObject(r, true, info.name) // autoscaling/v1 Scale has a protobuf form
			if err != nil {
				return err
			}
			scale, err := c.UpdateScale(ctx, info.name, obj, updateOptions(q))
			if err != nil {
				return err
			}
			return writeScale(w, r, scale)
		case "patch":
			data, err := readPatch(r)
			if err != nil {
				return err
			}
			scale, err := c.PatchScale(ctx, info.name, PatchType(data.contentType), data.body, patchOptions(q))
			if err != nil {
				return err
			}
			return writeScale(w, r, scale)
		}
	case "log":
		if info.verb == "get" {
			logs, err := c.Logs(ctx, info.name, q.Get("container"))
			if err != nil {
				return err
			}
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(logs)
			return nil
		}
	case "binding":
		if info.verb == "create" {
			data, err := readBody(r, h.hasProtobuf(res))
			if err != nil {
				return err
			}
			var b struct {
				Target struct {
					Name string `json:"name"`
				} `json:"target"`
			}
			if err := json.Unmarshal(data, &b); err != nil {
				return types.NewBadRequest("couldn't decode Binding: " + err.Error())
			}
			if err := c.Bind(ctx, info.name, b.Target.Name, updateOptions(q)); err != nil {
				return err
			}
			writeStatus(w, http.StatusCreated, types.Status{Status: types.StatusSuccess, Code: http.StatusCreated}, acceptsProtobuf(r, h.hasProtobuf(res)))
			return nil
		}
	case "eviction":
		if info.verb == "create" {
			data, err := readBody(r, h.hasProtobuf(res))
			if err != nil {
				return err
			}
			var ev struct {
				DeleteOptions *DeleteOptions `json:"deleteOptions"`
			}
			if err := json.Unmarshal(data, &ev); err != nil {
				return types.NewBadRequest("couldn't decode Eviction: " + err.Error())
			}
			opts := DeleteOptions{}
			if ev.DeleteOptions != nil {
				opts = *ev.DeleteOptions
			}
			if err := c.Evict(ctx, info.name, opts); err != nil {
				return err
			}
			writeStatus(w, http.StatusCreated, types.Status{Status: types.StatusSuccess, Code: http.StatusCreated}, acceptsProtobuf(r, h.hasProtobuf(res)))
			return nil
		}
	default:
		return notFound()
	}
	return unsupported
}

// writeScale writes an autoscaling/v1 Scale, in protobuf when the client prefers it (Scale always has that form).
func writeScale(w http.ResponseWriter, r *http.Request, scale *types.Object) error {
	if acceptsProtobuf(r, true) {
		return writeProtobuf(w, http.StatusOK, "autoscaling/v1", "Scale", scale.JSON())
	}
	writeJSON(w, http.StatusOK, scale.JSON())
	return nil
}

// putSubresource serves a PUT of an object to a subresource (status, finalize) through update.
func (h *handler) putSubresource(ctx context.Context, w http.ResponseWriter, r *http.Request, res *Resource, name string, q url.Values,
	update func(context.Context, *types.Object, UpdateOptions) (*types.Object, error)) error {
	out, err := h.negotiate(r, res)
	if err != nil {
		return err
	}
	obj, err := readNamedObject(r, h.hasProtobuf(res), name)
	if err != nil {
		return err
	}
	updated, err := update(ctx, obj, updateOptions(q))
	if err != nil {
		return err
	}
	return h.writeObject(w, http.StatusOK, res, updated, out, q)
}

// readNamedObject reads an object whose name must match the path's (an empty name takes the path's).
func readNamedObject(r *http.Request, pb bool, name string) (*types.Object, error) {
	obj, err := readObject(r, pb)
	if err != nil {
		return nil, err
	}
	return namedObject(obj, name)
}

// namedObject checks that obj's name is the path's, or gives it the path's when it has none.
func namedObject(obj *types.Object, name string) (*types.Object, error) {
	if obj.Name() == name {
		return obj, nil
	}
	if obj.Name() != "" {
		return nil, types.NewBadRequest("the name of the object (" + obj.Name() + ") does not match the name on the URL (" + name + ")")
	}
	m := obj.Meta()
	m.Name = name
	return obj.WithMetaNoCopy(m), nil
}

func updateOptions(q url.Values) UpdateOptions {
	return UpdateOptions{DryRun: q["dryRun"], FieldManager: q.Get("fieldManager"), FieldValidation: q.Get("fieldValidation")}
}

func patchOptions(q url.Values) PatchOptions {
	opts := PatchOptions{DryRun: q["dryRun"], FieldManager: q.Get("fieldManager"), FieldValidation: q.Get("fieldValidation")}
	if v := q.Get("force"); v != "" {
		b := parseBool(v)
		opts.Force = &b
	}
	return opts
}

// patchBody is a PATCH request's document and its media type.
type patchBody struct {
	contentType string
	body        []byte
}

// readPatch reads a PATCH body; the patch type is the media type of Content-Type.
func readPatch(r *http.Request) (patchBody, error) {
	ct := strings.TrimSpace(r.Header.Get("Content-Type"))
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	data, err := readRawBody(r)
	if err != nil {
		return patchBody{}, err
	}
	return patchBody{contentType: ct, body: data}, nil
}

// patch runs a PATCH through fn (the main resource's Patch or PatchStatus).
func (h *handler) patch(ctx context.Context, w http.ResponseWriter, r *http.Request, c *ResourceClient, name string, q url.Values,
	fn func(context.Context, string, PatchType, []byte, PatchOptions) (*types.Object, error)) error {
	out, err := h.negotiate(r, c.r)
	if err != nil {
		return err
	}
	p, err := readPatch(r)
	if err != nil {
		return err
	}
	patched, err := fn(ctx, name, PatchType(p.contentType), p.body, patchOptions(q))
	if err != nil {
		return err
	}
	return h.writeObject(w, http.StatusOK, c.r, patched, out, q)
}
