package bench

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Namespace is where every pod of the workload lives.
const Namespace = "default"

// ListSelector is W3's label selector; it matches every tenth pod.
const ListSelector = "app=a3"

// ImagePatch is W5's strategic merge patch: it sets container c's image.
const ImagePatch = `{"spec":{"containers":[{"name":"c","image":"nginx:1.26"}]}}`

// UpdateLabel is the label W4 sets to the decimal pod index.
const UpdateLabel = "w4"

// PodName returns the name of pod i: pod-00000, pod-00001, ...
func PodName(i int) string {
	return fmt.Sprintf("pod-%05d", i)
}

// PodLabels returns the labels of pod i: {app: a<i%10>, tier: t<i%3>}.
func PodLabels(i int) map[string]string {
	return map[string]string{
		"app":  fmt.Sprintf("a%d", i%10),
		"tier": fmt.Sprintf("t%d", i%3),
	}
}

// Pod returns a new pod i as W1 creates it: in Namespace, named PodName(i),
// labelled PodLabels(i), with one container {name: c, image: nginx:1.25,
// ports: [{containerPort: 80}]}. Each call returns a fresh value that the caller
// may hand to a client that mutates it.
func Pod(i int) *corev1.Pod {
	return &corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{
			Namespace: Namespace,
			Name:      PodName(i),
			Labels:    PodLabels(i),
		},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{
				Name:  "c",
				Image: "nginx:1.25",
				Ports: []corev1.ContainerPort{{ContainerPort: 80}},
			}},
		},
	}
}

// selectedPods returns how many of the pods 0..n-1 ListSelector matches.
func selectedPods(n int) int {
	count := 0
	for i := range n {
		if i%10 == 3 {
			count++
		}
	}
	return count
}
