package examples_test

import (
	"context"
	"fmt"
	"time"

	"github.com/kubemem/kubemem/apiserver"
	"github.com/kubemem/kubemem/clock"
	"github.com/kubemem/kubemem/types"
	"github.com/kubemem/kubemem/watch"
)

// A fake cluster in a Go test: create, list with a label selector, and see the conflict a stale update gets.
func Example_fakeCluster() {
	ctx := context.Background()
	srv, err := apiserver.New(apiserver.Options{})
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	cms := srv.Resource(apiserver.ConfigMaps).Namespace("default")
	for _, name := range []string{"a", "b"} {
		obj, _ := types.Unstructured{
			"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{"name": name, "labels": map[string]any{"team": name}},
			"data":     map[string]any{"k": "v"},
		}.ToObject()
		if _, err := cms.Create(ctx, obj, apiserver.CreateOptions{}); err != nil {
			panic(err)
		}
	}
	list, _ := cms.List(ctx, apiserver.ListOptions{LabelSelector: "team=b"})
	fmt.Println("selected:", len(list.Items), list.Items[0].Name())

	a, _ := cms.Get(ctx, "a", apiserver.GetOptions{})
	m := a.Meta()
	m.Labels["team"] = "c"
	if _, err := cms.Update(ctx, a.WithMeta(m), apiserver.UpdateOptions{}); err != nil {
		panic(err)
	}
	_, err = cms.Update(ctx, a, apiserver.UpdateOptions{}) // a still carries the old resourceVersion
	fmt.Println("conflict:", types.IsConflict(err))
	// Output:
	// selected: 1 b
	// conflict: true
}

// Bring your own structs (for example k8s.io/api types): For[T] converts through JSON.
func Example_typed() {
	type Pod struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name            string `json:"name"`
			Namespace       string `json:"namespace,omitempty"`
			ResourceVersion string `json:"resourceVersion,omitempty"`
		} `json:"metadata"`
		Spec struct {
			NodeName   string `json:"nodeName,omitempty"`
			Containers []struct {
				Name  string `json:"name"`
				Image string `json:"image"`
			} `json:"containers"`
		} `json:"spec"`
	}
	ctx := context.Background()
	srv, _ := apiserver.New(apiserver.Options{})
	defer srv.Close()
	pods := apiserver.For[Pod](srv, apiserver.Pods).Namespace("default")
	p := &Pod{APIVersion: "v1", Kind: "Pod"}
	p.Metadata.Name = "web"
	p.Spec.NodeName = "node-1"
	p.Spec.Containers = append(p.Spec.Containers, struct {
		Name  string `json:"name"`
		Image string `json:"image"`
	}{"web", "nginx:1.27"})
	created, err := pods.Create(ctx, p, apiserver.CreateOptions{})
	if err != nil {
		panic(err)
	}
	list, _, _ := pods.List(ctx, apiserver.ListOptions{FieldSelector: "spec.nodeName=node-1"})
	fmt.Println(created.Metadata.Name, created.Metadata.ResourceVersion != "", len(list))
	// Output: web true 1
}

// Watch from a resourceVersion: exactly the changes after it, in order.
func Example_watch() {
	ctx := context.Background()
	srv, _ := apiserver.New(apiserver.Options{})
	defer srv.Close()
	cms := srv.Resource(apiserver.ConfigMaps).Namespace("default")
	from := fmt.Sprint(srv.Revision())
	w, err := cms.Watch(ctx, apiserver.ListOptions{ResourceVersion: from})
	if err != nil {
		panic(err)
	}
	defer w.Stop()
	obj, _ := types.Unstructured{"metadata": map[string]any{"name": "x"}}.ToObject()
	created, _ := cms.Create(ctx, obj, apiserver.CreateOptions{})
	_, _ = cms.Delete(ctx, "x", apiserver.DeleteOptions{})
	for _, want := range []watch.EventType{watch.Added, watch.Deleted} {
		ev := <-w.ResultChan()
		fmt.Println(ev.Type == want, ev.Object.Name(), ev.Object.UID() == created.UID())
	}
	// Output:
	// true x true
	// true x true
}

// Deterministic mode and forks: build fixtures once, fork them per subtest.
func Example_fork() {
	ctx := context.Background()
	clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	base, _ := apiserver.New(apiserver.Deterministic(clk, 42))
	defer base.Close()
	obj, _ := types.Unstructured{"metadata": map[string]any{"generateName": "fixture-"}}.ToObject()
	fixture, _ := base.Resource(apiserver.ConfigMaps).Namespace("default").Create(ctx, obj, apiserver.CreateOptions{})

	fork := base.Fork()
	defer fork.Close()
	_, _ = fork.Resource(apiserver.ConfigMaps).Namespace("default").Delete(ctx, fixture.Name(), apiserver.DeleteOptions{})
	_, errFork := fork.Resource(apiserver.ConfigMaps).Namespace("default").Get(ctx, fixture.Name(), apiserver.GetOptions{})
	_, errBase := base.Resource(apiserver.ConfigMaps).Namespace("default").Get(ctx, fixture.Name(), apiserver.GetOptions{})
	fmt.Println(fixture.CreationTimestamp().Format(time.RFC3339), types.IsNotFound(errFork), errBase == nil)
	// Output: 2026-01-01T00:00:00Z true true
}
