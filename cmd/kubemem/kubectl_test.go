package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// kubectlPath returns kubectl from PATH. Without it the scenario is skipped, except under CI (CI=true), where it
// fails: CI must judge kubemem with the real client.
func kubectlPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("kubectl")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("kubectl is required under CI: %v", err)
		}
		t.Skipf("kubectl not found: %v", err)
	}
	return p
}

// startServe runs `kubemem serve` in-process on a free port and returns the kubeconfig path.
func startServe(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	kubeconfig := filepath.Join(dir, "kubeconfig")
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, "127.0.0.1", 0, kubeconfig, pw, slog.New(slog.NewTextHandler(io.Discard, nil)))
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err)
	require.Contains(t, line, "kubemem serving the Kubernetes API on http://127.0.0.1:")
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(15 * time.Second):
			t.Error("serve did not stop")
		}
	})
	return kubeconfig
}

// kubectl runs kubectl against the server and returns its combined output; it fails the test on a non-zero exit
// unless wantErr is set.
type kubectlRunner struct {
	t          *testing.T
	bin        string
	kubeconfig string
	env        []string
}

func (k *kubectlRunner) run(wantErr bool, stdin string, args ...string) string {
	k.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, k.bin, append([]string{"--kubeconfig", k.kubeconfig}, args...)...)
	cmd.Env = append(append(os.Environ(), "KUBECACHEDIR="+k.t.TempDir()), k.env...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	if wantErr {
		require.Error(k.t, err, "kubectl %s: %s", strings.Join(args, " "), out)
	} else {
		require.NoError(k.t, err, "kubectl %s: %s", strings.Join(args, " "), out)
	}
	return string(out)
}

func (k *kubectlRunner) ok(args ...string) string { k.t.Helper(); return k.run(false, "", args...) }

const scenarioObjects = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  labels: {app: web}
data: {mode: fast}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: c
        image: nginx:1.25
---
apiVersion: v1
kind: Pod
metadata:
  name: p1
  labels: {app: web, tier: front}
spec:
  nodeName: node-1
  containers:
  - name: c
    image: nginx:1.25
`

// TestKubectlScenario drives the real kubectl through everyday use against kubemem serve, asserting its output.
func TestKubectlScenario(t *testing.T) {
	k := &kubectlRunner{t: t, bin: kubectlPath(t), kubeconfig: startServe(t)}
	dir := t.TempDir()
	objs := filepath.Join(dir, "objs.yaml")
	require.NoError(t, os.WriteFile(objs, []byte(scenarioObjects), 0o600))

	t.Run("api-resources and api-versions", func(t *testing.T) {
		out := k.ok("api-resources")
		for _, want := range []string{"pods", "deployments", "configmaps", "customresourcedefinitions", "leases"} {
			require.Contains(t, out, want)
		}
		require.Regexp(t, `(?m)^pods\s+po\s+v1\s+true\s+Pod$`, out)
		out = k.ok("api-versions")
		require.Contains(t, out, "apps/v1")
		require.Contains(t, out, "v1\n")
	})

	t.Run("create -f of a multi-document YAML", func(t *testing.T) {
		out := k.ok("create", "-f", objs)
		require.Contains(t, out, "configmap/settings created")
		require.Contains(t, out, "deployment.apps/web created")
		require.Contains(t, out, "pod/p1 created")
	})

	t.Run("get", func(t *testing.T) {
		out := k.ok("get", "pods")
		require.Regexp(t, `NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE`, out)
		require.Regexp(t, `p1\s+0/1\s+Pending\s+0\s+\d+s`, out)
		out = k.ok("get", "pods", "-o", "wide")
		require.Regexp(t, `NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE`, out)
		require.Contains(t, out, "node-1")
		out = k.ok("get", "deploy", "web")
		require.Regexp(t, `web\s+0/2\s+0\s+0`, out)
		var cm map[string]any
		require.NoError(t, json.Unmarshal([]byte(k.ok("get", "configmap", "settings", "-o", "json")), &cm))
		require.Equal(t, "fast", cm["data"].(map[string]any)["mode"])
		require.Contains(t, k.ok("get", "cm", "settings", "-o", "yaml"), "mode: fast")
		require.Equal(t, "pod/p1\n", k.ok("get", "pods", "-l", "tier=front", "-o", "name"))
		require.Equal(t, "pod/p1\n", k.ok("get", "pods", "--field-selector", "spec.nodeName=node-1", "-o", "name"))
		require.Contains(t, k.ok("get", "pods", "--field-selector", "spec.nodeName=other"), "No resources found")
	})

	t.Run("get -w sees changes", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, k.bin, "--kubeconfig", k.kubeconfig, "get", "configmaps", "-w", "-o", "name")
		cmd.Env = append(os.Environ(), "KUBECACHEDIR="+t.TempDir())
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		lines := bufio.NewScanner(stdout)
		require.True(t, lines.Scan())
		require.Equal(t, "configmap/settings", lines.Text())
		k.ok("create", "configmap", "watched", "--from-literal=a=b", "--dry-run=client", "-o", "yaml") // client-side only
		k.run(false, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: watched}\n", "create", "-f", "-")
		require.True(t, lines.Scan())
		require.Equal(t, "configmap/watched", lines.Text())
		k.ok("delete", "configmap", "watched")
		require.True(t, lines.Scan())
		require.Equal(t, "configmap/watched", lines.Text())
		// kubectl's generators create through the typed client, which sends protobuf.
		require.Contains(t, k.ok("create", "configmap", "literal", "--from-literal=a=b"), "configmap/literal created")
		require.True(t, lines.Scan())
		require.Equal(t, "configmap/literal", lines.Text())
		require.Equal(t, "b", k.ok("get", "cm", "literal", "-o", "jsonpath={.data.a}"))
		require.Contains(t, k.ok("create", "deployment", "gen", "--image=nginx:1.25", "--replicas=2"), "deployment.apps/gen created")
		require.Equal(t, "nginx:1.25", k.ok("get", "deploy", "gen", "-o", "jsonpath={.spec.template.spec.containers[0].image}"))
		k.ok("delete", "configmap", "literal")
		k.ok("delete", "deployment", "gen")
		cancel()
		_ = cmd.Wait()
	})

	t.Run("describe", func(t *testing.T) {
		out := k.ok("describe", "pod", "p1")
		require.Regexp(t, `Name:\s+p1`, out)
		require.Regexp(t, `Namespace:\s+default`, out)
		require.Regexp(t, `Node:\s+node-1`, out)
	})

	t.Run("label and annotate", func(t *testing.T) {
		require.Contains(t, k.ok("label", "pod", "p1", "stage=test"), "pod/p1 labeled")
		require.Equal(t, "pod/p1\n", k.ok("get", "pods", "-l", "stage=test", "-o", "name"))
		require.Contains(t, k.ok("annotate", "cm", "settings", "owner=team-a"), "configmap/settings annotated")
		require.Equal(t, "team-a", k.ok("get", "cm", "settings", "-o", "jsonpath={.metadata.annotations.owner}"))
		require.Contains(t, k.ok("label", "pod", "p1", "stage-"), "pod/p1 unlabeled")
	})

	t.Run("patch with each type", func(t *testing.T) {
		require.Contains(t, k.ok("patch", "cm", "settings", "--type=merge", "-p", `{"data":{"mode":"slow"}}`), "configmap/settings patched")
		require.Equal(t, "slow", k.ok("get", "cm", "settings", "-o", "jsonpath={.data.mode}"))
		k.ok("patch", "cm", "settings", "--type=json", "-p", `[{"op":"add","path":"/data/extra","value":"1"}]`)
		require.Equal(t, "1", k.ok("get", "cm", "settings", "-o", "jsonpath={.data.extra}"))
		k.ok("patch", "deploy", "web", "--type=strategic", "-p", `{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"nginx:1.26"}]}}}}`)
		require.Equal(t, "nginx:1.26", k.ok("get", "deploy", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}"))
		require.Equal(t, "2", k.ok("get", "deploy", "web", "-o", "jsonpath={.metadata.generation}"), "a spec change bumps generation")
		out := k.run(true, "", "patch", "cm", "settings", "--type=json", "-p", `[{"op":"test","path":"/data/mode","value":"fast"}]`)
		require.Contains(t, out, "The request is invalid")
	})

	t.Run("apply twice with a change", func(t *testing.T) {
		app := filepath.Join(dir, "app.yaml")
		manifest := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  a: \"1\"\n"
		require.NoError(t, os.WriteFile(app, []byte(manifest), 0o600))
		require.Contains(t, k.ok("apply", "-f", app), "configmap/applied created")
		require.NoError(t, os.WriteFile(app, []byte(strings.Replace(manifest, `a: "1"`, `b: "2"`, 1)), 0o600))
		require.Contains(t, k.ok("apply", "-f", app), "configmap/applied configured")
		var cm map[string]any
		require.NoError(t, json.Unmarshal([]byte(k.ok("get", "cm", "applied", "-o", "json")), &cm))
		require.Equal(t, map[string]any{"b": "2"}, cm["data"], "apply removed the field the previous apply set")
		require.Contains(t, k.ok("apply", "-f", app), "configmap/applied unchanged")
	})

	t.Run("scale", func(t *testing.T) {
		require.Contains(t, k.ok("scale", "deploy", "web", "--replicas=5"), "deployment.apps/web scaled")
		require.Equal(t, "5", k.ok("get", "deploy", "web", "-o", "jsonpath={.spec.replicas}"))
	})

	t.Run("edit with EDITOR set to a script", func(t *testing.T) {
		editor := filepath.Join(dir, "editor.sh")
		require.NoError(t, os.WriteFile(editor, []byte("#!/bin/sh\nsed -i 's/mode: slow/mode: edited/' \"$1\"\n"), 0o700))
		k.env = []string{"EDITOR=" + editor, "KUBE_EDITOR=" + editor}
		defer func() { k.env = nil }()
		require.Contains(t, k.ok("edit", "cm", "settings"), "configmap/settings edited")
		require.Equal(t, "edited", k.ok("get", "cm", "settings", "-o", "jsonpath={.data.mode}"))
	})

	t.Run("explain", func(t *testing.T) {
		out := k.ok("explain", "pods.spec.containers")
		require.Contains(t, out, "KIND:       Pod")
		require.Contains(t, out, "FIELD: containers <[]Container>")
		require.Regexp(t, `(?m)^  image\s+<string>`, out)
		require.Regexp(t, `(?m)^  replicas\s+<integer>`, k.ok("explain", "deployment.spec"))
	})

	t.Run("an invalid object gets kube's message", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "bad.yaml")
		require.NoError(t, os.WriteFile(bad, []byte("apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec:\n  containers: [{name: c}]\n"), 0o600))
		out := k.run(true, "", "create", "-f", bad)
		require.Contains(t, out, `The Pod "bad" is invalid: spec.containers[0].image: Required value`)
	})

	t.Run("a namespace with content is deleted, and kubectl waits for it", func(t *testing.T) {
		require.Contains(t, k.ok("create", "namespace", "scratch"), "namespace/scratch created")
		require.Contains(t, k.ok("create", "configmap", "c1", "-n", "scratch", "--from-literal=a=b"), "configmap/c1 created")
		require.Contains(t, k.ok("create", "deployment", "d1", "-n", "scratch", "--image=nginx:1.25"), "deployment.apps/d1 created")
		require.Equal(t, "serviceaccount/default\n", k.ok("get", "serviceaccounts", "-n", "scratch", "-o", "name"))
		require.Contains(t, k.ok("delete", "namespace", "scratch"), `namespace "scratch" deleted`)
		require.Contains(t, k.run(true, "", "get", "namespace", "scratch"), `namespaces "scratch" not found`)
		require.Contains(t, k.run(true, "", "delete", "namespace", "default"), `namespaces "default" is forbidden: this namespace may not be deleted`)
	})

	t.Run("delete by name, by label, and all", func(t *testing.T) {
		require.Contains(t, k.ok("delete", "pod", "p1"), `pod "p1" deleted`)
		require.Contains(t, k.ok("delete", "deploy", "-l", "app=web"), `deployment.apps "web" deleted`)
		require.Contains(t, k.ok("delete", "configmaps", "--all"), `configmap "settings" deleted`)
		require.Contains(t, k.ok("get", "all"), "No resources found")
	})
}
