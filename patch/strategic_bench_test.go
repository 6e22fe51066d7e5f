package patch

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kubemem/kubemem/types"
)

// benchInputs are the strategic merge benchmarks: testdata/bench holds the same inputs the comparison with
// k8s.io/apimachinery in bench/smp uses.
var benchInputs = []struct {
	name, original, patch string
	gvk                   types.GroupVersionKind
}{
	{name: "pod20", original: "pod20.json", patch: "pod20-patch.json", gvk: podGVK},
	{name: "deployment", original: "deployment.json", patch: "deployment-patch.json", gvk: deploymentGVK},
	{name: "pod20-image", original: "pod20.json", patch: "", gvk: podGVK},
}

// imagePatch is the W5 patch: one container's image.
const imagePatch = `{"spec":{"containers":[{"name":"c07","image":"nginx:1.26"}]}}`

func BenchmarkStrategicMerge(b *testing.B) {
	for _, in := range benchInputs {
		b.Run(in.name, func(b *testing.B) {
			original, err := os.ReadFile(filepath.Join("testdata", "bench", in.original))
			if err != nil {
				b.Fatal(err)
			}
			patchDoc := []byte(imagePatch)
			if in.patch != "" {
				if patchDoc, err = os.ReadFile(filepath.Join("testdata", "bench", in.patch)); err != nil {
					b.Fatal(err)
				}
			}
			schema := schemaOf(b, in.gvk)
			b.SetBytes(int64(len(original)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := StrategicMerge(original, patchDoc, schema); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
