package apiserver

import (
	"errors"
	"math/big"
	"net/http"
	"path"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kubemem/kubemem/types"
)

// requireBadRequest fails unless err is kube-apiserver's 400 BadRequest Status.
func requireBadRequest(t *testing.T, err error) {
	t.Helper()
	var se *types.StatusError
	if !errors.As(err, &se) || se.ErrStatus.Code != http.StatusBadRequest || se.ErrStatus.Reason != types.StatusReasonBadRequest {
		t.Fatalf("want a 400 BadRequest Status, got %T %v", err, err)
	}
}

// FuzzDecodeContinue checks continue tokens (SEMANTICS P-1, P-6): decoding any token never panics, refuses with a
// 400 BadRequest, and accepts only a key inside the list's prefix at a revision other than 0; a token the server
// encodes decodes back to its key and revision.
func FuzzDecodeContinue(f *testing.F) {
	for _, s := range []struct {
		token, prefix, key string
		rev                int64
	}{
		{encodeContinue("/registry/configmaps/", "/registry/configmaps/default/a\x00", 7), "/registry/configmaps/", "default/b\x00", 7},
		{rawToken(`{"v":"meta.k8s.io/v1","rv":-1,"start":"a\u0000"}`), "/registry/pods/ns/", "x", -1},
		{rawToken(`{"v":"meta.k8s.io/v1","rv":5,"start":"../../secrets/x"}`), "/registry/pods/", "a/../b", 5},
		{rawToken(`{"v":"meta.k8s.io/v1","rv":0,"start":"a"}`), "/p/", "", 0},
		{rawToken(`{"v":"v2","rv":5,"start":"a"}`), "/p/", "/abs", 9},
		{"%%%", "", "\xff", 1},
	} {
		f.Add(s.token, s.prefix, s.key, s.rev)
	}
	f.Fuzz(func(t *testing.T, token, prefix, key string, rev int64) {
		start, got, err := decodeContinue(token, prefix)
		if err != nil {
			requireBadRequest(t, err)
		} else {
			if got == 0 {
				t.Fatalf("accepted revision 0 from %q", token)
			}
			rest, ok := strings.CutPrefix(start, prefix)
			if !ok || path.Clean("/"+rest) != "/"+rest || strings.HasPrefix(rest, "/") {
				t.Fatalf("token %q reaches %q outside the list %q", token, start, prefix)
			}
		}

		if !utf8.ValidString(key) {
			return // JSON carries invalid UTF-8 as U+FFFD; stored keys are valid names
		}
		start, got, err = decodeContinue(encodeContinue(prefix, prefix+key, rev), prefix)
		abs := key // the key as a path from the list's prefix, as DecodeContinue reads it
		if !strings.HasPrefix(abs, "/") {
			abs = "/" + abs
		}
		if rev == 0 || key == "" || path.Clean(abs) != abs {
			if err == nil {
				t.Fatalf("accepted key %q at revision %d", key, rev)
			}
			requireBadRequest(t, err)
			return
		}
		if err != nil || start != prefix+abs[1:] || got != rev {
			t.Fatalf("round trip of (%q, %d) gave (%q, %d, %v)", prefix+key, rev, start, got, err)
		}
	})
}

// FuzzParseResourceVersion checks the resourceVersion parameter (SEMANTICS R-6, S-5): it is "" or a decimal number
// below 2^63, which formats back to itself without leading zeros; anything else is a 400 BadRequest.
func FuzzParseResourceVersion(f *testing.F) {
	for _, s := range []string{"", "0", "1", "42", "abc", "-1", "+1", " 1", "1 ", "9223372036854775807", "9223372036854775808",
		rv2to70, "007", "1e3", "0x10", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseResourceVersion(s)
		want, isNumber := new(big.Int).SetString(s, 10)
		valid := s == "" || isNumber && strings.Trim(s, "0123456789") == "" && want.Cmp(big.NewInt(0).Lsh(big.NewInt(1), 63)) < 0
		if !valid {
			if err == nil {
				t.Fatalf("accepted %q as %d", s, n)
			}
			requireBadRequest(t, err)
			if msg := types.StatusFromError(err).Message; msg != "invalid resource version: "+strconv.Quote(s) {
				t.Fatalf("message %q", msg)
			}
			return
		}
		if err != nil {
			t.Fatalf("refused %q: %v", s, err)
		}
		if s == "" {
			if n != 0 {
				t.Fatalf("\"\" parsed as %d", n)
			}
			return
		}
		if want.Int64() != n {
			t.Fatalf("%q parsed as %d", s, n)
		}
		if back, err := parseResourceVersion(formatRevision(n)); err != nil || back != n || formatRevision(n) != strings.TrimLeft(s, "0") && n != 0 {
			t.Fatalf("%d formats as %q, which parses as %d (%v)", n, formatRevision(n), back, err)
		}
	})
}
