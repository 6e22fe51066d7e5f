package patch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	jsonpatch "github.com/evanphx/json-patch/v5"
)

// MaxJSONPatchOperations is the most operations kube-apiserver accepts in one JSON Patch.
const MaxJSONPatchOperations = 10000

// MaxJSONPatchCopyBytes bounds how much the copy operations of one JSON Patch may add to the document:
// kube-apiserver's default JSONPatchMaxCopyBytes (3 MiB). Without it a few dozen copies of a subtree into itself
// would grow a small object beyond any memory.
const MaxJSONPatchCopyBytes = 3 << 20

// JSONPatch applies an RFC 6902 patch to doc as kube-apiserver applies it. kube-apiserver uses evanphx/json-patch
// v4 with its package defaults; this function uses v5 with the same settings and evens out the differences that
// can be seen on objects:
//
//   - negative array indices count from the end ("/a/-1" is the last element), as v4 allows by default;
//   - copy operations may add at most MaxJSONPatchCopyBytes to the document;
//   - an add, replace or test without "value" uses null (v5 refuses add and replace);
//   - add, move and copy to the root path "" fail (v5 replaces the whole document);
//   - test of a member named "" (path "/" or ".../") compares that member (v5 compares its parent).
//
// A patch that is not a JSON array of objects is an *InvalidPatchError, more than MaxJSONPatchOperations
// operations a *TooManyOperationsError, and an operation that does not apply (unknown op, missing member, failed
// test, missing path, index out of range, copy limit) an *ApplyError. doc is not modified.
func JSONPatch(doc, patchDoc []byte) ([]byte, error) {
	// Decoded without jsonpatch.DecodePatch, which also refuses unknown operations and missing members: json-patch
	// v4 (and so kube-apiserver) only fails to decode malformed JSON, and fails those operations when applying.
	var p jsonpatch.Patch
	if err := json.Unmarshal(patchDoc, &p); err != nil {
		return nil, &InvalidPatchError{Err: err}
	}
	if len(p) > MaxJSONPatchOperations {
		return nil, &TooManyOperationsError{Operations: len(p)}
	}
	segmented := false
	for _, op := range p {
		kind := op.Kind()
		path, _ := op.Path()
		switch kind {
		case "add", "replace", "test":
			if _, ok := op["value"]; !ok {
				op["value"] = nil // a present key with a nil message is JSON null to json-patch
			}
		}
		switch {
		case path == "" && (kind == "add" || kind == "move" || kind == "copy"):
			return nil, &ApplyError{Err: fmt.Errorf("%s operation does not apply: doc is missing path: %q: %w", kind, path, jsonpatch.ErrMissing)}
		case kind == "test" && path != "" && path[len(path)-1] == '/':
			segmented = true
		}
	}
	if segmented {
		return applySegmented(doc, p)
	}
	return applyV5(doc, p)
}

func applyOptions() *jsonpatch.ApplyOptions {
	opts := jsonpatch.NewApplyOptions()
	opts.SupportNegativeIndices = true
	opts.AccumulatedCopySizeLimit = MaxJSONPatchCopyBytes
	opts.AllowMissingPathOnRemove = false
	opts.EnsurePathExistsOnAdd = false
	return opts
}

func applyV5(doc []byte, p jsonpatch.Patch) ([]byte, error) {
	if len(p) == 0 {
		return doc, nil
	}
	out, err := p.ApplyWithOptions(doc, applyOptions())
	if err != nil {
		return nil, &ApplyError{Err: err}
	}
	return out, nil
}

// applySegmented applies p with its test operations on "" members evaluated here, the others by json-patch.
func applySegmented(doc []byte, p jsonpatch.Patch) ([]byte, error) {
	cur := doc
	start := 0
	for i, op := range p {
		path, _ := op.Path()
		if op.Kind() != "test" || path == "" || path[len(path)-1] != '/' {
			continue
		}
		var err error
		if cur, err = applyV5(cur, p[start:i]); err != nil {
			return nil, err
		}
		if err := testOperation(cur, op, path); err != nil {
			return nil, err
		}
		start = i + 1
	}
	return applyV5(cur, p[start:])
}

// MergePatch applies an RFC 7386 merge patch to doc, as kube-apiserver does: a patch that is null or a scalar is
// an *InvalidPatchError (400 Invalid JSON Patch), as it is to the json-patch v4 kube-apiserver uses; an array
// patch replaces the document (which is then not an object). doc is not modified.
func MergePatch(doc, patchDoc []byte) ([]byte, error) {
	trimmed := bytes.TrimSpace(patchDoc)
	if len(trimmed) == 0 || (trimmed[0] != '{' && trimmed[0] != '[') {
		return nil, &InvalidPatchError{Err: jsonpatch.ErrBadJSONPatch}
	}
	out, err := jsonpatch.MergePatch(doc, patchDoc)
	if err != nil {
		if errors.Is(err, jsonpatch.ErrBadJSONPatch) {
			return nil, &InvalidPatchError{Err: err}
		}
		return nil, fmt.Errorf("merge patch: %w", err)
	}
	return out, nil
}
