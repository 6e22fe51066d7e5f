// Package examples holds runnable, tested examples of kubemem's uses: a fake cluster in a Go test, typed access
// with your own structs, watches, and forking fixtures per subtest. Each example is an Example function that
// `go test` runs and checks against its output comment.
package examples
