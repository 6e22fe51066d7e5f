package apiserver

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"path"
	"strings"

	"github.com/kubemem/kubemem/types"
)

// continueVersion is the version field of continue tokens (SEMANTICS P-1).
const continueVersion = "meta.k8s.io/v1"

// continueToken is the decoded form of metadata.continue: the snapshot revision of the first page and the key (after
// the list's prefix) to start from. RV -1 means "continue at the latest revision" (P-5).
type continueToken struct {
	APIVersion      string `json:"v"`
	ResourceVersion int64  `json:"rv"`
	StartKey        string `json:"start"`
}

// encodeContinue builds the token for the next page of a list of prefix at rev, starting at key nextStart.
func encodeContinue(prefix, nextStart string, rev int64) string {
	raw, _ := json.Marshal(continueToken{APIVersion: continueVersion, ResourceVersion: rev, StartKey: strings.TrimPrefix(nextStart, prefix)})
	return base64.RawURLEncoding.EncodeToString(raw)
}

// decodeContinue parses a continue token for a list of prefix; it returns the full start key and the revision.
// Errors are 400 BadRequest with kube-apiserver's messages (P-6).
func decodeContinue(token, prefix string) (start string, rev int64, err error) {
	data, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return "", 0, types.NewInvalidContinueToken(errors.New("continue key is not valid: " + err.Error()))
	}
	var c continueToken
	if err := json.Unmarshal(data, &c); err != nil {
		return "", 0, types.NewInvalidContinueToken(errors.New("continue key is not valid: " + err.Error()))
	}
	switch {
	case c.APIVersion != continueVersion:
		return "", 0, types.NewInvalidContinueToken(errors.New("continue key is not valid: server does not recognize this encoded version " + c.APIVersion))
	case c.ResourceVersion == 0:
		return "", 0, types.NewInvalidContinueToken(errors.New("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)"))
	case c.StartKey == "":
		return "", 0, types.NewInvalidContinueToken(errors.New("continue key is not valid: encoded start key empty (version meta.k8s.io/v1)"))
	}
	// The start key must be a clean path, so a token cannot reach outside the list's prefix (as kube's
	// DecodeContinue checks).
	key := c.StartKey
	if !strings.HasPrefix(key, "/") {
		key = "/" + key
	}
	if cleaned := path.Clean(key); cleaned != key {
		return "", 0, types.NewInvalidContinueToken(errors.New("continue key is not valid: " + c.StartKey))
	}
	return prefix + key[1:], c.ResourceVersion, nil
}
