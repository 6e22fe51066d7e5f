package proof

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/kubemem/kubemem/types"
)

// namespace is where every run's ConfigMaps live.
const namespace = "default"

// backend is one face of the API under test: the Go API or the HTTP handler. Its verbs mirror the Kubernetes verbs
// on ConfigMaps in namespace; errors are *types.StatusError where the server answered with a Status.
type backend interface {
	name() string
	create(ctx context.Context, key int, v Value) (observed, error)
	get(ctx context.Context, key int) (observed, error)
	// list returns one page.
	list(ctx context.Context, opts listOpts) (listPage, error)
	// update replaces the object; with ifRV != 0 it sends that resourceVersion (and uid) as preconditions.
	update(ctx context.Context, key int, v Value, ifRV int64, uid string) (observed, error)
	patch(ctx context.Context, key int, p patchSpec, ifRV int64, strategic bool) (observed, error)
	// delete returns the deleted object; hasObj is false when the answer only carries the uid.
	delete(ctx context.Context, key int, ifRV int64) (obj observed, hasObj bool, err error)
	watch(ctx context.Context, opts watchOpts) (eventStream, error)
}

// listOpts are the list options the runs use.
type listOpts struct {
	RV       int64 // 0: unset
	Exact    bool  // resourceVersionMatch=Exact
	Limit    int64
	Continue string
}

// listPage is one page of a list.
type listPage struct {
	RV       int64
	Continue string
	Items    []observed
}

// watchOpts are the watch options the runs use.
type watchOpts struct {
	// RV is the resourceVersion to start after; -1 leaves it unset (X-6/X-10: the current state first), and 0 is
	// "0" (X-7: any state first, which kubemem serves as the current one).
	RV       int64
	Selector string // label selector: "" or team=X
	// Bookmarks asks for bookmarks.
	Bookmarks bool
	// TimeoutSeconds, when positive, ends the watch.
	TimeoutSeconds int64
}

// wireEvent is one watch event as a client decoded it.
type wireEvent struct {
	Type string
	Obj  observed // for ADDED, MODIFIED, DELETED; RV only for BOOKMARK
	// Kind and APIVersion are the object's, checked on bookmarks.
	Kind, APIVersion string
	// InitialEnd marks the bookmark annotated k8s.io/initial-events-end.
	InitialEnd bool
	// Status is an ERROR event's Status.
	Status *types.Status
}

// eventStream is a running watch as a client reads it. Next returns io.EOF when the server ended the stream
// cleanly; any other error is a broken stream (or the client's own cancellation).
type eventStream interface {
	Next() (wireEvent, error)
	Close()
}

// keyIndex maps an object name k<N> back to N.
func keyIndex(name string) (int, error) {
	n, err := strconv.Atoi(strings.TrimPrefix(name, "k"))
	if err != nil || !strings.HasPrefix(name, "k") || n < 0 || n >= maxKeys {
		return 0, fmt.Errorf("proof: unexpected object name %q", name)
	}
	return n, nil
}

// observe extracts what the model compares from an object.
func observe(o *types.Object) (observed, error) {
	if o == nil {
		return observed{}, errors.New("proof: no object")
	}
	k, err := keyIndex(o.Name())
	if err != nil {
		return observed{}, err
	}
	rv, err := strconv.ParseInt(o.ResourceVersion(), 10, 64)
	if err != nil {
		return observed{}, fmt.Errorf("proof: object %s: resourceVersion %q: %w", o.Name(), o.ResourceVersion(), err)
	}
	team, _ := o.Label("team")
	return observed{Key: k, RV: rv, UID: o.UID(), Value: Value{V: o.Field("data.v"), W: o.Field("data.w"), Team: team}}, nil
}

// configMap builds the ConfigMap a create or update sends.
func configMap(key int, v Value, rv int64, uid string) *types.Object {
	meta := map[string]any{"name": keyName(key), "namespace": namespace}
	if v.Team != "" {
		meta["labels"] = map[string]any{"team": v.Team}
	}
	if rv != 0 {
		meta["resourceVersion"] = strconv.FormatInt(rv, 10)
	}
	if uid != "" {
		meta["uid"] = uid
	}
	data := map[string]any{"v": v.V}
	if v.W != "" {
		data["w"] = v.W
	}
	o, err := types.Unstructured{"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data}.ToObject()
	if err != nil {
		panic("proof: building a ConfigMap: " + err.Error()) // the input is always well-formed
	}
	return o
}

// patchDocument builds the merge patch for p; with ifRV != 0 the patch carries metadata.resourceVersion, which
// makes it a precondition.
func patchDocument(p patchSpec, ifRV int64) []byte {
	field := func(f fieldPatch) string {
		if f.Op == setField {
			return strconv.Quote(f.Val)
		}
		return "null"
	}
	data := `"v":` + strconv.Quote(p.V)
	if p.W.Op != keepField {
		data += `,"w":` + field(p.W)
	}
	var meta []string
	if p.Team.Op != keepField {
		meta = append(meta, `"labels":{"team":`+field(p.Team)+`}`)
	}
	if ifRV != 0 {
		meta = append(meta, `"resourceVersion":"`+strconv.FormatInt(ifRV, 10)+`"`)
	}
	doc := `{"data":{` + data + `}`
	if len(meta) > 0 {
		doc += `,"metadata":{` + strings.Join(meta, ",") + `}`
	}
	return []byte(doc + "}")
}

// classify maps a write's error to the model's outcome: the definite failures the model knows, or unknown.
func classify(err error) outcome {
	switch {
	case err == nil:
		return outOK
	case types.IsNotFound(err):
		return outNotFound
	case types.IsAlreadyExists(err):
		return outAlreadyExists
	case types.IsConflict(err):
		return outConflict
	}
	return outUnknown
}

// mustRV returns an object's resourceVersion as a revision.
func mustRV(o *types.Object) int64 {
	rv, err := strconv.ParseInt(o.ResourceVersion(), 10, 64)
	if err != nil {
		panic("proof: resourceVersion " + o.ResourceVersion())
	}
	return rv
}
