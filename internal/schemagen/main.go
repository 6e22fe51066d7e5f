// Command schemagen writes the schema of kubemem's built-in kinds: for every kind the library serves, the JSON
// fields of its Go type in k8s.io/api (and k8s.io/apiextensions-apiserver for CustomResourceDefinition), each with
// its type, its patchStrategy / patchMergeKey struct tags, and the list, map and struct types that server-side apply
// uses (+listType, +listMapKey, +mapType, +structType, read from the structured-merge-diff schema that client-go and
// apiextensions-apiserver ship with their apply configurations).
//
// The library embeds the output (types/schema_data.txt) and must not depend on k8s.io modules, which is why this
// program is a module of its own. It is run by go generate in package types:
//
//	go -C ../internal/schemagen run . -out ../../types/schema_data.txt
//
// The output is deterministic: the same module versions give the same bytes. The format is described in format.go.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
)

func main() {
	out := flag.String("out", "-", "file to write the schema to; - for standard output")
	flag.Parse()
	data, err := generate()
	if err != nil {
		fmt.Fprintln(os.Stderr, "schemagen:", err)
		os.Exit(1)
	}
	if *out == "-" {
		_, err = os.Stdout.Write(data)
	} else {
		if old, rerr := os.ReadFile(*out); rerr == nil && bytes.Equal(old, data) {
			return // unchanged: keep the file's modification time
		}
		err = os.WriteFile(*out, data, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "schemagen:", err)
		os.Exit(1)
	}
}

// generate builds the schema document from the kinds and meta types in kinds.go.
func generate() ([]byte, error) {
	smd, err := loadSMD()
	if err != nil {
		return nil, err
	}
	w := newWalker(smd)
	for _, k := range kinds {
		if err := w.addRoot(k.obj); err != nil {
			return nil, fmt.Errorf("%s %s: %w", k.apiVersion, k.kind(), err)
		}
	}
	for _, k := range listKinds {
		if err := w.addRoot(k.obj); err != nil {
			return nil, fmt.Errorf("%s %s: %w", k.apiVersion, k.kind(), err)
		}
	}
	for _, m := range metaTypes {
		if err := w.addRoot(m); err != nil {
			return nil, err
		}
	}
	versions, err := moduleVersions()
	if err != nil {
		return nil, err
	}
	return format(w, versions)
}
