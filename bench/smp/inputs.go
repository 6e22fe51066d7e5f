package smp

import (
	"fmt"
	"os"
	"path/filepath"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/kubemem/kubemem/types"
)

// Input is one strategic merge benchmark: an object, a patch, and its kind for both implementations.
type Input struct {
	Name     string
	Original []byte
	Patch    []byte
	GVK      types.GroupVersionKind
	// Typed is a value of the kind's k8s.io/api type, which apimachinery takes as the schema.
	Typed any
}

// ImagePatch is the W5 patch: a new image for one container.
const ImagePatch = `{"spec":{"containers":[{"name":"c07","image":"nginx:1.26"}]}}`

// Inputs reads the benchmark inputs from dir (patch/testdata/bench).
func Inputs(dir string) ([]Input, error) {
	read := func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, name)) }
	pod, err := read("pod20.json")
	if err != nil {
		return nil, fmt.Errorf("benchmark inputs: %w", err)
	}
	podPatch, err := read("pod20-patch.json")
	if err != nil {
		return nil, err
	}
	deploy, err := read("deployment.json")
	if err != nil {
		return nil, err
	}
	deployPatch, err := read("deployment-patch.json")
	if err != nil {
		return nil, err
	}
	podGVK := types.GroupVersionKind{Version: "v1", Kind: "Pod"}
	return []Input{
		{Name: "pod20", Original: pod, Patch: podPatch, GVK: podGVK, Typed: &corev1.Pod{}},
		{Name: "pod20-image", Original: pod, Patch: []byte(ImagePatch), GVK: podGVK, Typed: &corev1.Pod{}},
		{Name: "deployment", Original: deploy, Patch: deployPatch, GVK: types.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}, Typed: &appsv1.Deployment{}},
	}, nil
}
