package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubemem/kubemem/types"
)

// requireJSONEqual fails unless got is the JSON value want is, with its members in the same order: encoding/json's
// order (Go declaration order, sorted map keys), which kubepb promises to keep. Only the escaping of strings and
// the spelling of numbers may differ; numbers compare exactly (integers beyond 2^53 included), not as float64 as
// require.JSONEq does. A failure shows the difference.
func requireJSONEqual(t testing.TB, want, got []byte, msgAndArgs ...any) {
	t.Helper()
	wt, errW := jsonTokens(want)
	gt, errG := jsonTokens(got)
	require.NoError(t, errW, "want: %s", shorten(want))
	require.NoError(t, errG, "got: %s", shorten(got))
	if !slices.Equal(wt, gt) {
		w, errW := decodeJSONExact(want)
		g, errG := decodeJSONExact(got)
		require.NoError(t, errW)
		require.NoError(t, errG)
		if diff := cmp.Diff(w, g); diff != "" {
			require.Fail(t, "JSON differs (-want +got):\n"+diff, msgAndArgs...)
		}
		require.Fail(t, "JSON members in another order (-want +got):\n"+cmp.Diff(wt, gt), msgAndArgs...)
	}
	require.JSONEq(t, string(want), string(got), msgAndArgs...)
}

// jsonTokens returns the tokens of a JSON value in order, numbers in their canonical text.
func jsonTokens(data []byte) ([]string, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var out []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		switch tok := tok.(type) {
		case json.Number:
			if i, err := tok.Int64(); err == nil {
				out = append(out, fmt.Sprint(i))
			} else if f, err := tok.Float64(); err == nil {
				out = append(out, fmt.Sprint(f))
			} else {
				out = append(out, tok.String())
			}
		case string:
			out = append(out, strconv.Quote(tok))
		default:
			out = append(out, fmt.Sprint(tok))
		}
	}
}

// decodeJSONExact decodes JSON with numbers as their canonical text: integers as decimal, other numbers as the
// shortest text of their float64.
func decodeJSONExact(data []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, fmt.Errorf("trailing data after the JSON value")
	}
	var norm func(v any) any
	norm = func(v any) any {
		switch v := v.(type) {
		case json.Number:
			if i, err := v.Int64(); err == nil {
				return fmt.Sprint(i)
			}
			f, err := v.Float64()
			if err != nil {
				return "bad number " + v.String()
			}
			return fmt.Sprint(f)
		case []any:
			for i := range v {
				v[i] = norm(v[i])
			}
		case map[string]any:
			for k := range v {
				v[k] = norm(v[k])
			}
		}
		return v
	}
	return norm(v), nil
}

// requireSemanticEqual fails unless got equals want by equality.Semantic (quantities by value, times by instant,
// nil and empty slices and maps alike); a failure shows the difference.
func requireSemanticEqual(t testing.TB, want, got any, msgAndArgs ...any) {
	t.Helper()
	if equality.Semantic.DeepEqual(want, got) {
		return
	}
	require.Fail(t, "objects differ (-want +got):\n"+objectDiff(want, got), msgAndArgs...)
}

// objectDiff is a readable difference of two k8s.io/api objects: the types with unexported state print as their
// JSON form.
func objectDiff(want, got any) string {
	return cmp.Diff(want, got,
		cmp.Transformer("Quantity", func(q resource.Quantity) string { return q.String() }),
		cmp.Transformer("Time", func(t metav1.Time) string { return t.UTC().String() }),
		cmp.Transformer("MicroTime", func(t metav1.MicroTime) string { return t.UTC().String() }),
	)
}

// pbCoverage records which fields of a kind's schema held a non-zero value in the JSON of the objects tested, so
// that a test can assert that every field with a protobuf number was exercised.
type pbCoverage struct {
	root *types.Schema
	seen map[string]bool // "corev1.PodSpec.containers"
}

func newPBCoverage(root *types.Schema) *pbCoverage {
	return &pbCoverage{root: root, seen: map[string]bool{}}
}

// add records the fields set in doc, the JSON of an object of the root schema.
func (c *pbCoverage) add(t testing.TB, doc []byte) {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(doc, &v))
	c.walk(c.root, v)
}

func (c *pbCoverage) walk(s *types.Schema, v any) {
	switch s.Kind() {
	case types.KindObject:
		m, _ := v.(map[string]any)
		for _, f := range s.Fields() {
			fv, ok := m[f.Name]
			if !ok {
				continue
			}
			if !isZeroJSON(fv) || isMarker(f.Type, fv) {
				c.seen[s.Name()+"."+f.Name] = true
			}
			c.walk(f.Type, fv)
		}
	case types.KindList:
		l, _ := v.([]any)
		for _, e := range l {
			c.walk(s.Elem(), e)
		}
	case types.KindMap:
		m, _ := v.(map[string]any)
		for _, e := range m {
			c.walk(s.Elem(), e)
		}
	}
}

// isMarker reports whether v is the JSON object {} of a struct type without fields (a marker such as
// CustomResourceSubresourceStatus), whose only value that is.
func isMarker(s *types.Schema, v any) bool {
	m, ok := v.(map[string]any)
	return ok && len(m) == 0 && s.Kind() == types.KindObject && len(s.Fields()) == 0
}

func isZeroJSON(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case float64:
		return v == 0
	case bool:
		return !v
	case []any:
		return len(v) == 0
	case map[string]any:
		return len(v) == 0
	}
	return false
}

// missing returns the fields with a protobuf number, reachable from the root through object, list and map types,
// that never held a non-zero value.
func (c *pbCoverage) missing() []string {
	var out []string
	visited := map[string]bool{}
	var walk func(s *types.Schema)
	walk = func(s *types.Schema) {
		switch s.Kind() {
		case types.KindList, types.KindMap:
			walk(s.Elem())
			return
		case types.KindObject:
		default:
			return
		}
		if visited[s.Name()] {
			return
		}
		visited[s.Name()] = true
		for _, f := range s.Fields() {
			if len(f.Protobuf) > 0 && !c.seen[s.Name()+"."+f.Name] {
				out = append(out, s.Name()+"."+f.Name)
			}
			walk(f.Type)
		}
	}
	walk(c.root)
	slices.Sort(out)
	return out
}

// shorten cuts long text for failure messages.
func shorten(b []byte) string {
	const max = 2000
	s := string(b)
	if len(s) > max {
		s = s[:max] + fmt.Sprintf("... (%d bytes)", len(b))
	}
	return strings.ToValidUTF8(s, "?")
}
