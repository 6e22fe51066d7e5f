package jsonpath

import (
	"bytes"
	"fmt"

	"github.com/kubemem/kubemem/internal/jsontree"
)

// printResults appends the results of one node to b as client-go's PrintResults writes them.
func printResults(b *bytes.Buffer, results []any) error {
	for i, v := range results {
		if i > 0 {
			b.WriteByte(' ')
		}
		switch v := v.(type) {
		case noValue:
			b.WriteString("<no value>")
		case nil:
			b.WriteString("null")
		case map[string]any, []any:
			out, err := jsontree.Append(b.AvailableBuffer(), v)
			if err != nil {
				return err
			}
			b.Write(out)
		default:
			fmt.Fprint(b, v)
		}
	}
	return nil
}
