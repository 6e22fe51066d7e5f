package apiserver

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	"github.com/kubemem/kubemem/internal/kubepb"
	"github.com/kubemem/kubemem/types"
	"github.com/kubemem/kubemem/watch"
)

// watch streams a watch as chunked JSON, one WatchEvent per line, flushed whenever no further event is queued
// (SEMANTICS ). Option errors answer as plain HTTP errors; errors after the watch started arrive as an
// ERROR event. The stream ends cleanly at its timeout, when the client goes away, or when the server closes.
func (h *handler) watch(ctx context.Context, w http.ResponseWriter, r *http.Request, c *ResourceClient, info requestInfo, q url.Values) error {
	out, err := h.negotiate(r, c.r)
	if err != nil {
		return err
	}
	opts, err := listOptionsFromQuery(q)
	if err != nil {
		return err
	}
	if info.name != "" {
		// a name in a /watch/ path is a metadata.name field selector.
		sel, err := types.ParseFieldSelector(opts.FieldSelector)
		if err != nil {
			return types.NewBadRequest(err.Error())
		}
		if v, ok := sel.RequiresExactMatch("metadata.name"); ok && v != info.name {
			return types.NewBadRequest("fieldSelector metadata.name doesn't match requested name")
		}
		if opts.FieldSelector == "" {
			opts.FieldSelector = "metadata.name=" + info.name
		} else if _, ok := sel.RequiresExactMatch("metadata.name"); !ok {
			opts.FieldSelector += ",metadata.name=" + info.name
		}
	}
	if opts.TimeoutSeconds == nil || *opts.TimeoutSeconds == 0 {
		// a random duration in [minRequestTimeout, 2×minRequestTimeout). kube-apiserver's GetTimeoutForWatch
		// does not tell timeoutSeconds=0 from no timeoutSeconds.
		min := h.opts.MinRequestTimeout
		h.s.randMu.Lock()
		d := min + time.Duration(h.s.rand.Int64N(int64(min)))
		h.s.randMu.Unlock()
		secs := int64(d / time.Second)
		opts.TimeoutSeconds = &secs
	}
	wi, err := c.Watch(ctx, opts)
	if err != nil {
		return err
	}
	defer wi.Stop()
	flusher, _ := w.(http.Flusher)
	if out.protobuf {
		w.Header().Set("Content-Type", mediaProtobuf+";stream=watch")
	} else {
		w.Header().Set("Content-Type", mediaJSON)
	}
	w.WriteHeader(http.StatusOK)
	if flusher != nil {
		flusher.Flush()
	}
	if *opts.TimeoutSeconds < 0 {
		// kube-apiserver allows a negative timeout (GetTimeoutForWatch): its timer has fired before the first
		// event, so the stream ends at once.
		return nil
	}
	events := wi.ResultChan()
	buf := make([]byte, 0, 4096)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				return nil
			}
			if out.protobuf {
				buf, err = h.appendProtobufWatchEvent(buf[:0], c.r, ev, out)
				if err != nil {
					return nil // an object without a protobuf form ends the stream; the client resumes
				}
			} else {
				buf = h.appendWatchEvent(buf[:0], c.r, ev, out.form, q)
			}
			if _, err := w.Write(buf); err != nil {
				return nil // the client went away
			}
			if len(events) == 0 && flusher != nil {
				flusher.Flush()
			}
		case <-ctx.Done():
			return nil
		}
	}
}

// appendProtobufWatchEvent encodes one event as a frame of a protobuf watch stream: the event's object (or Status,
// or metadata) as a protobuf object inside a WatchEvent message.
func (h *handler) appendProtobufWatchEvent(b []byte, r *Resource, ev watch.Event, out output) ([]byte, error) {
	var obj []byte
	var err error
	switch {
	case ev.Type == watch.Error:
		st, _ := json.Marshal(ev.Err.Status())
		obj, err = kubepb.AppendObject(nil, "v1", "Status", st)
	case out.form == outputPartialMetadata:
		obj, err = ev.Encodings.Encode("protobuf/PartialObjectMetadata", func() ([]byte, error) {
			return kubepb.AppendObject(nil, "meta.k8s.io/v1", "PartialObjectMetadata", appendPartialMetadata(nil, ev.Object))
		})
	default:
		obj, err = ev.Encodings.Encode("protobuf", func() ([]byte, error) {
			return kubepb.AppendObject(nil, r.GVR.GroupVersion().String(), r.Kind, ev.Object.JSON())
		})
	}
	if err != nil {
		return nil, err
	}
	return kubepb.AppendWatchEvent(b, string(ev.Type), obj), nil
}

// appendWatchEvent encodes one event: {"type":T,"object":...}\n, the object in the negotiated form.
func (h *handler) appendWatchEvent(b []byte, r *Resource, ev watch.Event, out outputKind, q url.Values) []byte {
	b = append(b, `{"type":"`...)
	b = append(b, ev.Type...)
	b = append(b, `","object":`...)
	switch {
	case ev.Type == watch.Error:
		st, _ := json.Marshal(ev.Err.Status())
		b = append(b, st...)
	case out == outputObject || ev.Type == watch.Bookmark && out == outputTable:
		b = ev.Object.AppendJSON(b)
	case out == outputTable:
		t := h.newTable(r, []*types.Object{ev.Object}, q)
		t.ListMeta.ResourceVersion = ev.Object.ResourceVersion()
		b = t.appendJSON(b)
	default:
		meta, _ := ev.Encodings.Encode("json/PartialObjectMetadata", func() ([]byte, error) {
			return appendPartialMetadata(nil, ev.Object), nil
		})
		b = append(b, meta...)
	}
	return append(b, "}\n"...)
}
