package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// crdWidgets is a namespaced CRD with status and scale subresources, printer columns (one of priority 1, shown by
// -o wide), a short name, the category "all", and a schema with a description, required, enum, minimum and defaults.
const crdWidgets = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.kubectl.kubemem.io
spec:
  group: kubectl.kubemem.io
  scope: Namespaced
  names:
    plural: widgets
    singular: widget
    kind: Widget
    shortNames: [wdg]
    categories: [all]
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
      scale:
        specReplicasPath: .spec.replicas
        statusReplicasPath: .status.replicas
        labelSelectorPath: .status.selector
    additionalPrinterColumns:
    - {name: Size, type: string, jsonPath: .spec.size}
    - {name: Replicas, type: integer, jsonPath: .spec.replicas}
    - {name: Phase, type: string, jsonPath: .status.phase, priority: 1}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            description: The widget's desired state.
            required: [size]
            properties:
              size:
                type: string
                description: How big the widget is.
                enum: [small, medium, large]
              replicas:
                type: integer
                format: int32
                description: How many copies of the widget run.
                minimum: 0
                default: 1
              color:
                type: string
                default: blue
          status:
            type: object
            properties:
              replicas: {type: integer, format: int32}
              selector: {type: string}
              phase: {type: string}
`

const crdWidget = `apiVersion: kubectl.kubemem.io/v1
kind: Widget
metadata:
  name: w1
spec:
  size: small
`

// TestKubectlCRDScenario drives the real kubectl through the life of a CustomResourceDefinition against kubemem
// serve: apply, wait for Established, custom objects with their printer columns, explain, scale, the "all"
// category, and deletion, after which the resource type is gone.
func TestKubectlCRDScenario(t *testing.T) {
	k := &kubectlRunner{t: t, bin: kubectlPath(t), kubeconfig: startServe(t)}

	t.Run("apply the CRD and wait for it", func(t *testing.T) {
		require.Contains(t, k.run(false, crdWidgets, "apply", "-f", "-"), "customresourcedefinition.apiextensions.k8s.io/widgets.kubectl.kubemem.io created")
		require.Contains(t, k.ok("wait", "--for", "condition=established", "--timeout=30s", "crd/widgets.kubectl.kubemem.io"),
			"customresourcedefinition.apiextensions.k8s.io/widgets.kubectl.kubemem.io condition met")
		require.Regexp(t, `(?m)^widgets\s+wdg\s+kubectl\.kubemem\.io/v1\s+true\s+Widget$`, k.ok("api-resources", "--api-group=kubectl.kubemem.io"))
		require.Equal(t, "True", k.ok("get", "crd", "widgets.kubectl.kubemem.io", "-o", `jsonpath={.status.conditions[?(@.type=="NamesAccepted")].status}`))
		// kube-apiserver's default table convertor: NAME and CREATED AT.
		require.Regexp(t, `(?m)^NAME\s+CREATED AT\n^widgets\.kubectl\.kubemem\.io\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`, k.ok("get", "crd"))
	})

	t.Run("apply a custom object", func(t *testing.T) {
		require.Contains(t, k.run(false, crdWidget, "apply", "-f", "-"), "widget.kubectl.kubemem.io/w1 created")
		require.Equal(t, "1 blue", k.ok("get", "widget", "w1", "-o", "jsonpath={.spec.replicas} {.spec.color}"), "schema defaults")
		require.Contains(t, k.ok("patch", "widget", "w1", "--subresource=status", "--type=merge", "-p", `{"status":{"phase":"Ready","replicas":1,"selector":"app=w1"}}`),
			"widget.kubectl.kubemem.io/w1 patched")
		require.Equal(t, "Ready", k.ok("get", "widget", "w1", "-o", "jsonpath={.status.phase}"))
		// A second apply with a change is a JSON merge patch: custom resources have no strategic merge patch.
		require.Contains(t, k.run(false, strings.Replace(crdWidget, "size: small", "size: medium", 1), "apply", "-f", "-"),
			"widget.kubectl.kubemem.io/w1 configured")
		require.Equal(t, "medium", k.ok("get", "wdg", "w1", "-o", "jsonpath={.spec.size}"))
	})

	t.Run("invalid objects get kube's messages", func(t *testing.T) {
		out := k.run(true, strings.NewReplacer("name: w1", "name: bad", "size: small", "size: huge").Replace(crdWidget), "create", "-f", "-")
		require.Contains(t, out, `The Widget "bad" is invalid: spec.size: Unsupported value: "huge": supported values: "small", "medium", "large"`)
		out = k.run(true, strings.NewReplacer("name: w1", "name: bad", "size: small", "size: small\n  bogus: 1").Replace(crdWidget), "create", "-f", "-")
		require.Contains(t, out, `strict decoding error: unknown field "spec.bogus"`, "kubectl asks for fieldValidation=Strict")
	})

	t.Run("get shows the printer columns", func(t *testing.T) {
		for _, name := range []string{"widgets", "wdg", "widget.kubectl.kubemem.io"} {
			out := k.ok("get", name)
			require.Regexp(t, `(?m)^NAME\s+SIZE\s+REPLICAS\s+AGE$`, out, "kubectl get %s", name)
			require.Regexp(t, `(?m)^w1\s+medium\s+1\s+\d+s$`, out, "kubectl get %s", name)
		}
		out := k.ok("get", "widgets", "-o", "wide")
		require.Regexp(t, `(?m)^NAME\s+SIZE\s+REPLICAS\s+PHASE\s+AGE$`, out)
		require.Regexp(t, `(?m)^w1\s+medium\s+1\s+Ready\s+\d+s$`, out)
	})

	t.Run("explain", func(t *testing.T) {
		out := k.ok("explain", "widget.spec")
		require.Contains(t, out, "GROUP:      kubectl.kubemem.io")
		require.Contains(t, out, "KIND:       Widget")
		require.Contains(t, out, "VERSION:    v1")
		require.Contains(t, out, "FIELD: spec <Object>")
		require.Contains(t, out, "The widget's desired state.")
		require.Regexp(t, `(?m)^  size\s+<string> -required-$`, out)
		require.Regexp(t, `(?m)^  replicas\s+<integer>$`, out)
		require.Regexp(t, `(?m)^  color\s+<string>$`, out)
		require.Contains(t, out, "How many copies of the widget run.")
	})

	t.Run("scale", func(t *testing.T) {
		require.Contains(t, k.ok("scale", "widget/w1", "--replicas=3"), "widget.kubectl.kubemem.io/w1 scaled")
		require.Equal(t, "3", k.ok("get", "widget", "w1", "-o", "jsonpath={.spec.replicas}"))
		require.Regexp(t, `(?m)^w1\s+medium\s+3\s+\d+s$`, k.ok("get", "widgets"))
	})

	t.Run("get all includes the category", func(t *testing.T) {
		require.Regexp(t, `(?m)^widget\.kubectl\.kubemem\.io/w1\s+medium\s+3\s+\d+s$`, k.ok("get", "all"))
	})

	t.Run("delete the object, then the CRD", func(t *testing.T) {
		require.Contains(t, k.ok("delete", "widget", "w1"), `widget.kubectl.kubemem.io "w1" deleted`)
		require.Contains(t, k.ok("get", "widgets"), "No resources found in default namespace.")
		require.Contains(t, k.run(false, crdWidget, "apply", "-f", "-"), "widget.kubectl.kubemem.io/w1 created", "left for the CRD's deletion to remove")
		require.Contains(t, k.ok("delete", "crd", "widgets.kubectl.kubemem.io"),
			`customresourcedefinition.apiextensions.k8s.io "widgets.kubectl.kubemem.io" deleted`)
		require.Contains(t, k.run(true, "", "get", "widgets"), `the server doesn't have a resource type "widgets"`)
		require.Contains(t, k.run(true, "", "get", "crd", "widgets.kubectl.kubemem.io"),
			`customresourcedefinitions.apiextensions.k8s.io "widgets.kubectl.kubemem.io" not found`)
		require.NotContains(t, k.ok("api-resources"), "kubectl.kubemem.io")
	})
}
