package fieldmanager

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kubemem/kubemem/types"
)

// MaxManagerLength is the longest manager name kube accepts, in bytes.
const MaxManagerLength = 128

// ManagerFromUserAgent returns the manager of a write that names none (no fieldManager), derived from its
// User-Agent as kube-apiserver does: the part before the first '/', without non-printable characters, cut to
// MaxManagerLength bytes at a character boundary. "kubectl/v1.37.0 (linux/amd64) kubernetes/abc" gives "kubectl".
func ManagerFromUserAgent(ua string) string {
	prefix, _, _ := strings.Cut(ua, "/")
	var b strings.Builder
	for _, r := range prefix {
		if !unicode.IsPrint(r) {
			continue
		}
		if b.Len()+utf8.RuneLen(r) > MaxManagerLength {
			break
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ValidateManager checks a fieldManager as kube-apiserver does: at most MaxManagerLength bytes ("fieldManager:
// Too long: may not be more than 128 bytes") and only printable characters ("fieldManager: Invalid value: ...:
// invalid character U+0000 (at position 3)"). The empty name is valid: it means "derive one".
func ValidateManager(manager string) types.FieldErrorList {
	var errs types.FieldErrorList
	p := types.NewFieldPath("fieldManager")
	if len(manager) > MaxManagerLength {
		errs = append(errs, types.FieldTooLong(p, manager, MaxManagerLength))
	}
	for i, r := range manager {
		if !unicode.IsPrint(r) {
			errs = append(errs, types.FieldInvalid(p, manager, fmt.Sprintf("invalid character %#U (at position %d)", r, i)))
		}
	}
	return errs
}
