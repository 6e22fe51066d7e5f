// Package jsontree converts between JSON text and Go trees of map[string]any, []any, string, int64, float64, bool
// and nil (the unstructured form), faster than encoding/json and with Kubernetes' number rules (integers decode to
// int64, other numbers to float64). It also scans raw JSON without decoding it: iterating an object's members and
// looking up a value by path.
//
// All functions are pure and safe for concurrent use.
package jsontree
