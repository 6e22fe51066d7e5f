package apiserver

import "testing"

// TestDefaultCRD checks the CustomResourceDefinition defaulter against apiextensions v1 defaults.go
// (SetDefaults_CustomResourceDefinition, SetDefaults_CustomResourceDefinitionSpec, SetDefaults_ServiceReference):
// singular and listKind from the kind, conversion None, the webhook service's port, status.storedVersions from
// the storage version. v1 defaults nothing else: not the scope, not the versions' served flags, not the printer
// columns (the Age column is the table converter's, not a default).
func TestDefaultCRD(t *testing.T) {
	gvk := defaultsGVK("apiextensions.k8s.io", "CustomResourceDefinition")
	runDefaultCases(t, []defaultCase{
		{name: "names kept", gvk: gvk,
			in: `{"spec":{"names":{"kind":"Foo","plural":"foos","singular":"f","listKind":"Foos"},"conversion":{"strategy":"None"},
				"versions":[{"name":"v1","served":true,"storage":true}]},"status":{"storedVersions":["v1"]}}`,
			want: `{"spec":{"names":{"kind":"Foo","plural":"foos","singular":"f","listKind":"Foos"},"conversion":{"strategy":"None"},
				"versions":[{"name":"v1","served":true,"storage":true}]},"status":{"storedVersions":["v1"]}}`},
		{name: "singular lower-cases the kind", gvk: gvk,
			in:   `{"spec":{"names":{"kind":"FooBar","singular":"","listKind":"FooBars"},"conversion":{"strategy":"None"}}}`,
			want: `{"spec":{"names":{"kind":"FooBar","singular":"foobar","listKind":"FooBars"},"conversion":{"strategy":"None"}}}`},
		{name: "no kind, no names", gvk: gvk,
			in:   `{"spec":{"names":{"plural":"foos"},"scope":"","conversion":{"strategy":"None"}}}`,
			want: `{"spec":{"names":{"plural":"foos"},"scope":"","conversion":{"strategy":"None"}}}`},
		{name: "conversion null", gvk: gvk,
			in:   `{"spec":{"names":{"kind":"Foo","singular":"foo","listKind":"FooList"},"conversion":null}}`,
			want: `{"spec":{"names":{"kind":"Foo","singular":"foo","listKind":"FooList"},"conversion":{"strategy":"None"}}}`},
		{name: "webhook url has no port", gvk: gvk,
			in: `{"spec":{"names":{"kind":"Foo","singular":"foo","listKind":"FooList"},
				"conversion":{"strategy":"Webhook","webhook":{"clientConfig":{"url":"https://x"},"conversionReviewVersions":["v1"]}}}}`,
			want: `{"spec":{"names":{"kind":"Foo","singular":"foo","listKind":"FooList"},
				"conversion":{"strategy":"Webhook","webhook":{"clientConfig":{"url":"https://x"},"conversionReviewVersions":["v1"]}}}}`},
		{name: "webhook service port kept", gvk: gvk,
			in: `{"spec":{"names":{"kind":"Foo","singular":"foo","listKind":"FooList"},
				"conversion":{"strategy":"Webhook","webhook":{"clientConfig":{"service":{"namespace":"n","name":"s","port":8443}}}}}}`,
			want: `{"spec":{"names":{"kind":"Foo","singular":"foo","listKind":"FooList"},
				"conversion":{"strategy":"Webhook","webhook":{"clientConfig":{"service":{"namespace":"n","name":"s","port":8443}}}}}}`},
		{name: "first storage version", gvk: gvk,
			in: `{"spec":{"names":{"kind":"Foo","singular":"foo","listKind":"FooList"},"conversion":{"strategy":"None"},
				"versions":[{"name":"v1","served":true},{"name":"v2","storage":true},{"name":"v3","storage":true}]},"status":{"storedVersions":[]}}`,
			want: `{"spec":{"names":{"kind":"Foo","singular":"foo","listKind":"FooList"},"conversion":{"strategy":"None"},
				"versions":[{"name":"v1","served":true},{"name":"v2","storage":true},{"name":"v3","storage":true}]},"status":{"storedVersions":["v2"]}}`},
		{name: "no storage version", gvk: gvk,
			in: `{"spec":{"names":{"kind":"Foo","singular":"foo","listKind":"FooList"},"conversion":{"strategy":"None"},
				"versions":[{"name":"v1","served":true,"storage":false}]}}`,
			want: `{"spec":{"names":{"kind":"Foo","singular":"foo","listKind":"FooList"},"conversion":{"strategy":"None"},
				"versions":[{"name":"v1","served":true,"storage":false}]}}`},
		{name: "an empty spec", gvk: gvk, in: `{}`, want: `{"spec":{"names":{},"conversion":{"strategy":"None"}}}`},
	})
}
