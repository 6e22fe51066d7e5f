package structural

import "reflect"

// deepCopy copies a decoded JSON value (maps and slices are copied, scalars shared).
func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(t))
		for i, e := range t {
			l[i] = deepCopy(e)
		}
		return l
	}
	return v
}

// jsonEqual reports whether two decoded JSON values are equal as reflect.DeepEqual sees them (int64 1 and
// float64 1 differ, as they do in kube).
func jsonEqual(a, b any) bool { return reflect.DeepEqual(a, b) }
