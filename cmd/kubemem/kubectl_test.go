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
		out := k.ok("create", "-f", objs, "--validate=false")
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
		k.run(false, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: watched}\n", "create", "-f", "-", "--validate=false")
		require.True(t, lines.Scan())
		require.Equal(t, "configmap/watched", lines.Text())
		k.ok("delete", "configmap", "watched")
		require.True(t, lines.Scan())
		require.Equal(t, "configmap/watched", lines.Text())
		cancel()
		_ = cmd.Wait()
	})

	t.Run("describe", func(t *testing.T) {
		out := k.ok("describe", "pod", "p1")
		require.Regexp(t, `Name:\s+p1`, out)
		require.Regexp(t, `Namespace:\s+default`, out)
		require.Regexp(t, `Node:\s+node-1`, out)
	})

	t.Run("delete by name, by label, and all", func(t *testing.T) {
		require.Contains(t, k.ok("delete", "pod", "p1"), `pod "p1" deleted`)
		require.Contains(t, k.ok("delete", "deploy", "-l", "app=web"), `deployment.apps "web" deleted`)
		require.Contains(t, k.ok("delete", "configmaps", "--all"), `configmap "settings" deleted`)
		require.Contains(t, k.ok("get", "all"), "No resources found")
	})
}
