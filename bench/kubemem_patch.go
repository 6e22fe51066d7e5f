package bench

import (
	"context"

	"github.com/kubemem/kubemem/apiserver"
)

// patchImage is W5 through the Go API. The Patch verb arrives with the patch issue; until then kubemem reports n/a.
func patchImage(ctx context.Context, pods *apiserver.ResourceClient, i int) error {
	return ErrNotSupported
}
