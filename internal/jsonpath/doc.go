// Package jsonpath implements kubectl's JSONPath template language, as k8s.io/client-go/util/jsonpath does: the
// language of `kubectl get -o jsonpath=...` and of a CustomResourceDefinition's additionalPrinterColumns.
//
// A template is text with actions in braces. Text outside braces is printed as is; an action is evaluated against
// the data and its results are printed separated by spaces:
//
//	{.metadata.name}              field access; {$.a} and {@.a} are the same, $ and @ name the current value
//	{.a['b']}                     bracket field access; {.a['b.c']} is {.a.b.c}, as in client-go (escape a dot in
//	                              a key with a backslash instead: {.metadata.labels.kubernetes\.io/hostname})
//	{.items[0]} {.items[-1]}      index, negative from the end
//	{.items[1:3]} {.items[::2]}   slice [start:end:step]
//	{.items[*]} {.spec.*}         every element of a list, every value of a map
//	{..name}                      recursive descent: name at any depth
//	{.items[0,1]} {['a','b']}     union
//	{.items[?(@.type=="Ready")]}  filter with ==, !=, <, >, <=, >=; {[?(@.x)]} keeps the elements that have x
//	{range .items[*]}...{end}     repeat the enclosed template for every result
//	{"\n"} {'x'}                  string literal
//
// Data is decoded JSON as internal/jsontree produces it: map[string]any, []any, string, int64, float64, bool and
// nil. Maps must be map[string]any (convert named map types first); values of other types are leaves. Numbers
// compare only with numbers of the same kind, as in client-go: an int64 field compares with an integer literal, a
// float64 field with a literal that has a decimal point.
//
// Behaviour, results and error messages are client-go's, including its quirks (see the tests), with three
// deliberate differences: map values are visited in sorted key order rather than Go's random map order; an
// evaluation that would do more than a fixed amount of work fails with ErrTooExpensive instead of running
// unbounded (a template such as {['.','.']['.','.']...} doubles its results at every step); and where client-go
// panics (an index on nil data) the value is skipped like a null.
//
// A parsed *JSONPath is immutable and safe for concurrent use by any number of goroutines.
package jsonpath
