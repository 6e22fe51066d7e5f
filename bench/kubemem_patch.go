package bench

import (
	"context"

	"github.com/kubemem/kubemem/apiserver"
)

// patchImage is W5 through the Go API: a strategic merge patch of the container image.
func patchImage(ctx context.Context, pods *apiserver.ResourceClient, i int) error {
	_, err := pods.Patch(ctx, PodName(i), apiserver.StrategicMergePatchType, []byte(ImagePatch), apiserver.PatchOptions{})
	return err
}
