package patch

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/kubemem/kubemem/internal/jsontree"
)

// The original document is decoded lazily: StrategicMerge validates it in one pass, which also records where
// every object and array ends, and then decodes one level at a time only where the patch leads. A value not
// decoded yet is a *rawValue; appendJSON copies it verbatim into the result. Every place that looks at a value of
// the original calls expand (or member) first; values of the patch are decoded completely.
//
// With the ends recorded, decoding a level reads only that level's bytes: the containers inside it are stepped
// over in O(1). A 20 KB pod whose patch touches one container is read once, not once per nesting level.

// rawValue is a value of a lazyDoc not decoded yet: data[start:end], and for an object or array its tape entry.
type rawValue struct {
	doc        *lazyDoc
	start, end int32
	ord        int32 // index in doc.tape; -1 for a scalar
	// memo caches the last member looked up in a raw object (a list element's merge key is looked up often).
	memo *memberMemo
}

type memberMemo struct {
	key   string
	val   any
	found bool
}

func (r *rawValue) bytes() []byte { return r.doc.data[r.start:r.end] }

// AppendJSON implements jsontree.Appender: a value the patch did not reach is copied through verbatim.
func (r *rawValue) AppendJSON(b []byte) []byte { return append(b, r.bytes()...) }

// child returns the raw value starting at data[i], the tape index of the next container after it, and its end.
func (d *lazyDoc) child(i int, next int32) (rawValue, int32) {
	data := d.data
	switch data[i] {
	case '{', '[':
		c := d.tape[next]
		return rawValue{doc: d, start: int32(i), end: c.end + 1, ord: next}, next + 1 + c.inner
	case '"':
		end, _ := scanString(data, i+1, false)
		return rawValue{doc: d, start: int32(i), end: int32(end), ord: -1}, next
	default:
		end := i
		for end < len(data) {
			switch data[end] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return rawValue{doc: d, start: int32(i), end: int32(end), ord: -1}, next
			}
			end++
		}
		return rawValue{doc: d, start: int32(i), end: int32(end), ord: -1}, next
	}
}

// object decodes the members of a raw object, leaving their values raw.
func (d *lazyDoc) object(r *rawValue) (map[string]any, error) {
	type member struct {
		key string
		raw rawValue
	}
	var stack [16]member
	members := stack[:0]
	data := d.data
	next := r.ord + 1
	i := skipSpace(data, int(r.start)+1)
	for i < int(r.end) && data[i] != '}' {
		keyEnd, _ := scanString(data, i+1, false)
		key, err := decodeKey(data[i:keyEnd])
		if err != nil {
			return nil, err
		}
		i = skipSpace(data, skipSpace(data, keyEnd)+1) // past the colon
		var v rawValue
		v, next = d.child(i, next)
		members = append(members, member{key: key, raw: v})
		i = skipSpace(data, int(v.end))
		if i < len(data) && data[i] == ',' {
			i = skipSpace(data, i+1)
		}
	}
	raws := make([]rawValue, len(members))
	m := make(map[string]any, len(members))
	for j := range members {
		raws[j] = members[j].raw
		m[members[j].key] = &raws[j]
	}
	return m, nil
}

// array decodes the elements of a raw array, leaving them raw.
func (d *lazyDoc) array(r *rawValue) []any {
	var stack [16]rawValue
	elems := stack[:0]
	data := d.data
	next := r.ord + 1
	i := skipSpace(data, int(r.start)+1)
	for i < int(r.end) && data[i] != ']' {
		var v rawValue
		v, next = d.child(i, next)
		elems = append(elems, v)
		i = skipSpace(data, int(v.end))
		if i < len(data) && data[i] == ',' {
			i = skipSpace(data, i+1)
		}
	}
	raws := slices.Clone(elems)
	out := make([]any, len(raws))
	for j := range raws {
		out[j] = &raws[j]
	}
	return out
}

// decodeKey decodes a quoted member name, without allocating for the common field names of the API.
func decodeKey(quoted []byte) (string, error) {
	inner := quoted[1 : len(quoted)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		if s, ok := commonKeys[string(inner)]; ok {
			return s, nil
		}
		return string(inner), nil
	}
	v, err := jsontree.Decode(quoted)
	if err != nil {
		return "", &InvalidPatchError{Err: fmt.Errorf("%w: %w", errInvalidDocument, err)}
	}
	return v.(string), nil
}

// member looks member k of a raw object up without decoding the others, and returns its value expanded. With
// remember, the result is cached for the next lookup of k.
func (r *rawValue) member(k string, remember bool) (any, bool, error) {
	if r.memo != nil && r.memo.key == k {
		return r.memo.val, r.memo.found, nil
	}
	d := r.doc
	data := d.data
	next := r.ord + 1
	var found rawValue
	have := false
	i := skipSpace(data, int(r.start)+1)
	for i < int(r.end) && data[i] != '}' {
		keyEnd, _ := scanString(data, i+1, false)
		match, err := keyMatches(data[i:keyEnd], k)
		if err != nil {
			return nil, false, err
		}
		i = skipSpace(data, skipSpace(data, keyEnd)+1)
		var v rawValue
		v, next = d.child(i, next)
		if match {
			found, have = v, true // the last occurrence wins, as in decoding
		}
		i = skipSpace(data, int(v.end))
		if i < len(data) && data[i] == ',' {
			i = skipSpace(data, i+1)
		}
	}
	var val any
	if have {
		var err error
		if val, err = expand(&found); err != nil {
			return nil, false, err
		}
	}
	if remember {
		r.memo = &memberMemo{key: k, val: val, found: have}
	}
	return val, have, nil
}

func keyMatches(quoted []byte, k string) (bool, error) {
	inner := quoted[1 : len(quoted)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return string(inner) == k, nil
	}
	s, err := decodeKey(quoted)
	return s == k, err
}

// objectMember returns member k of an object, decoded or raw, expanded; false when v is not an object or lacks k.
// Lookups in raw objects are cached per object for one key, meant for the merge key.
func objectMember(v any, k string) (any, bool, error) {
	switch x := v.(type) {
	case map[string]any:
		return member(x, k)
	case *rawValue:
		if x.doc.data[x.start] != '{' || (k == directiveMarker && !x.doc.mayHoldDirectives()) {
			return nil, false, nil
		}
		return x.member(k, k != directiveMarker)
	}
	return nil, false, nil
}

// isObject reports whether v is an object, decoded or raw.
func isObject(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		return true
	case *rawValue:
		return x.doc.data[x.start] == '{'
	}
	return false
}

// jsonType is the type of a decoded or raw value, as upstream's reflect.TypeOf tells them apart (integers and
// other numbers differ, as they do for kube-apiserver, which decodes integers to int64).
type jsonType uint8

const (
	typeNull jsonType = iota
	typeObject
	typeArray
	typeString
	typeInt
	typeFloat
	typeBool
	typeOther
)

func valueType(v any) (jsonType, error) {
	switch x := v.(type) {
	case nil:
		return typeNull, nil
	case map[string]any:
		return typeObject, nil
	case []any:
		return typeArray, nil
	case string:
		return typeString, nil
	case int64:
		return typeInt, nil
	case float64:
		return typeFloat, nil
	case bool:
		return typeBool, nil
	case *rawValue:
		switch x.doc.data[x.start] {
		case '{':
			return typeObject, nil
		case '[':
			return typeArray, nil
		case '"':
			return typeString, nil
		case 't', 'f':
			return typeBool, nil
		case 'n':
			return typeNull, nil
		}
		e, err := expand(x)
		if err != nil {
			return 0, err
		}
		return valueType(e)
	}
	return typeOther, nil
}

// expand decodes one level of v when it is raw: an object becomes a map[string]any and an array a []any whose
// members and elements stay raw, and a scalar is decoded. Any other value is returned as it is.
func expand(v any) (any, error) {
	r, ok := v.(*rawValue)
	if !ok {
		return v, nil
	}
	data := r.bytes()
	switch data[0] {
	case '{':
		return r.doc.object(r)
	case '[':
		return r.doc.array(r), nil
	case '"':
		if bytes.IndexByte(data, '\\') < 0 && isASCII(data) {
			return string(data[1 : len(data)-1]), nil
		}
	case 't':
		return true, nil
	case 'f':
		return false, nil
	case 'n':
		return nil, nil
	}
	s, err := jsontree.Decode(data)
	if err != nil {
		return nil, &InvalidPatchError{Err: fmt.Errorf("%w: %w", errInvalidDocument, err)}
	}
	return s, nil
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// expandElements expands every element of l in place.
func expandElements(l []any) error {
	for i, v := range l {
		e, err := expand(v)
		if err != nil {
			return err
		}
		l[i] = e
	}
	return nil
}

// member returns m[k] expanded, storing the expanded value back so it is decoded once.
func member(m map[string]any, k string) (any, bool, error) {
	v, ok := m[k]
	if !ok {
		return nil, false, nil
	}
	if _, raw := v.(*rawValue); raw {
		e, err := expand(v)
		if err != nil {
			return nil, false, err
		}
		m[k] = e
		v = e
	}
	return v, true, nil
}

// commonKeys are member names that appear in most objects.
var commonKeys = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{
		"apiVersion", "kind", "metadata", "spec", "status", "name", "namespace", "uid", "labels", "annotations",
		"resourceVersion", "generation", "creationTimestamp", "ownerReferences", "finalizers", "managedFields",
		"containers", "initContainers", "image", "imagePullPolicy", "command", "args", "ports", "containerPort",
		"protocol", "hostPort", "env", "value", "valueFrom", "fieldRef", "fieldPath", "resources", "limits",
		"requests", "cpu", "memory", "volumeMounts", "mountPath", "readOnly", "volumes", "configMap", "secret",
		"emptyDir", "defaultMode", "livenessProbe", "readinessProbe", "startupProbe", "httpGet", "path", "port",
		"scheme", "periodSeconds", "timeoutSeconds", "successThreshold", "failureThreshold", "initialDelaySeconds",
		"terminationMessagePath", "terminationMessagePolicy", "securityContext", "template", "selector",
		"matchLabels", "replicas", "strategy", "type", "conditions", "reason", "message", "lastTransitionTime",
		"tolerations", "key", "operator", "effect", "nodeName", "restartPolicy", "dnsPolicy", "serviceAccountName",
		"schedulerName", "data", "controller", "blockOwnerDeletion",
	} {
		m[k] = k
	}
	return m
}()

// decodedForMessage returns v with its raw parts decoded, for error messages that print values.
func decodedForMessage(v any) any {
	switch x := v.(type) {
	case *rawValue:
		d, err := jsontree.Decode(x.bytes())
		if err != nil {
			return string(x.bytes())
		}
		return d
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = decodedForMessage(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = decodedForMessage(e)
		}
		return out
	case [][]any:
		out := make([][]any, len(x))
		for i, e := range x {
			out[i] = decodedForMessage(e).([]any)
		}
		return out
	}
	return v
}
