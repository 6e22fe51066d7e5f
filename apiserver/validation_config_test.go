package apiserver

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/kubemem/kubemem/types"
)

const valBaseConfigMap = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg","namespace":"default","uid":"u1",` +
	`"resourceVersion":"5","creationTimestamp":"2024-01-01T00:00:00Z"},"data":{"a":"1"}}`

const valBaseSecret = `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","namespace":"default","uid":"u1",` +
	`"resourceVersion":"5","creationTimestamp":"2024-01-01T00:00:00Z"},"type":"Opaque","data":{"a":"MQ=="}}`

// configKeyMsg is IsConfigMapKey's pattern message.
const configKeyMsg = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or " +
	"'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"

func TestValidateConfigMap(t *testing.T) {
	half := strings.Repeat("x", vMaxConfigSize/2)
	valRunCreate(t, valGVKConfigMap, valBaseConfigMap, []valCase{
		{name: "valid"},
		{name: "key characters", patch: `{"data":{"a b":"1"}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("data[a b]"), "a b", configKeyMsg)}},
		{name: "dot keys", patch: `{"data":{".":"1","..":"2","..a":"3"}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("data[.]"), ".", "must not be '.'"),
			types.FieldInvalid(valPath("data[..]"), "..", "must not be '..'"),
			types.FieldInvalid(valPath("data[..a]"), "..a", "must not start with '..'")}},
		{name: "key length", patch: `{"data":{"` + strings.Repeat("k", 254) + `":"1"}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("data["+strings.Repeat("k", 254)+"]"), strings.Repeat("k", 254), "must be no more than 253 characters")}},
		{name: "key in data and binaryData", patch: `{"binaryData":{"a":"MQ=="}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("data[a]"), "a", "duplicate of key present in binaryData")}},
		{name: "binaryData key", patch: `{"binaryData":{"b/c":"MQ=="}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("binaryData[b/c]"), "b/c", configKeyMsg)}},
		{name: "1 MiB in all", patch: `{"data":{"a":"` + half + `","b":"` + half + `x"}}`, want: types.FieldErrorList{
			types.FieldTooLong(valPath("[]"), "", 1048576)}},
		{name: "exactly 1 MiB", patch: `{"data":{"a":"` + half + `","b":"` + half + `"}}`},
	})
	valRunUpdate(t, valGVKConfigMap, valBaseConfigMap, []valCase{
		{name: "mutable data changes", patch: `{"data":{"a":"2"}}`},
		{name: "immutable data", patch: `{"immutable":true,"data":{"a":"2"}}`, oldPatch: `{"immutable":true}`, want: types.FieldErrorList{
			types.FieldForbidden(valPath("data"), "field is immutable when `immutable` is set")}},
		{name: "immutable binaryData", patch: `{"immutable":true,"binaryData":{"b":"MQ=="}}`, oldPatch: `{"immutable":true}`, want: types.FieldErrorList{
			types.FieldForbidden(valPath("binaryData"), "field is immutable when `immutable` is set")}},
		{name: "immutable stays", patch: `{"immutable":false}`, oldPatch: `{"immutable":true}`, want: types.FieldErrorList{
			types.FieldForbidden(valPath("immutable"), "field is immutable when `immutable` is set")}},
		{name: "immutable unchanged object", patch: `{"immutable":true,"metadata":{"labels":{"a":"b"}}}`, oldPatch: `{"immutable":true}`},
		{name: "made immutable", patch: `{"immutable":true}`},
	})
}

func TestValidateSecret(t *testing.T) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	big := b64(strings.Repeat("x", vMaxConfigSize))
	valRunCreate(t, valGVKSecret, valBaseSecret, []valCase{
		{name: "valid"},
		{name: "key", patch: `{"data":{"a:b":"MQ=="}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("data[a:b]"), "a:b", configKeyMsg)}},
		{name: "stringData keys are data keys", patch: `{"stringData":{"a b":"x"}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("data[a b]"), "a b", configKeyMsg)}},
		{name: "1 MiB of decoded data", patch: `{"data":{"b":"` + big + `"}}`, want: types.FieldErrorList{
			types.FieldTooLong(valPath("data"), "", 1048576)}},
		{name: "tls", patch: `{"type":"kubernetes.io/tls"}`, want: types.FieldErrorList{
			types.FieldRequired(valPath("data[tls.crt]"), ""),
			types.FieldRequired(valPath("data[tls.key]"), "")}},
		{name: "tls complete", patch: `{"type":"kubernetes.io/tls","data":{"tls.crt":"","tls.key":""}}`},
		{name: "dockerconfigjson missing", patch: `{"type":"kubernetes.io/dockerconfigjson"}`, want: types.FieldErrorList{
			types.FieldRequired(valPath("data[.dockerconfigjson]"), "")}},
		{name: "dockerconfigjson not JSON", patch: `{"type":"kubernetes.io/dockerconfigjson","data":{".dockerconfigjson":"` + b64("{") + `"}}`,
			want: types.FieldErrorList{types.FieldInvalid(valPath("data[.dockerconfigjson]"), "<secret contents redacted>", "unexpected end of JSON input")}},
		{name: "dockerconfigjson", patch: `{"type":"kubernetes.io/dockerconfigjson","data":{".dockerconfigjson":"` + b64(`{"auths":{}}`) + `"}}`},
		{name: "dockercfg array", patch: `{"type":"kubernetes.io/dockercfg","data":{".dockercfg":"` + b64("[]") + `"}}`,
			want: types.FieldErrorList{types.FieldInvalid(valPath("data[.dockercfg]"), "<secret contents redacted>",
				"json: cannot unmarshal array into Go value of type map[string]interface {}")}},
		{name: "basic-auth", patch: `{"type":"kubernetes.io/basic-auth"}`, want: types.FieldErrorList{
			types.FieldRequired(valPath("data[username]"), ""),
			types.FieldRequired(valPath("data[password]"), "")}},
		{name: "basic-auth with a username", patch: `{"type":"kubernetes.io/basic-auth","stringData":{"username":"u"}}`},
		{name: "ssh-auth", patch: `{"type":"kubernetes.io/ssh-auth","data":{"ssh-privatekey":""}}`, want: types.FieldErrorList{
			types.FieldRequired(valPath("data[ssh-privatekey]"), "")}},
		{name: "service-account-token", patch: `{"type":"kubernetes.io/service-account-token"}`, want: types.FieldErrorList{
			types.FieldRequired(valPath("metadata.annotations[kubernetes.io/service-account.name]"), "")}},
		{name: "service-account-token named", patch: `{"type":"kubernetes.io/service-account-token","metadata":{"annotations":{"kubernetes.io/service-account.name":"default"}}}`},
		{name: "custom type", patch: `{"type":"example.com/mine"}`},
	})
	valRunUpdate(t, valGVKSecret, valBaseSecret, []valCase{
		{name: "data changes", patch: `{"data":{"a":"Mg=="}}`},
		{name: "type", patch: `{"type":"kubernetes.io/basic-auth","data":{"username":"dQ=="}}`, want: types.FieldErrorList{
			types.FieldInvalid(valPath("type"), "kubernetes.io/basic-auth", "field is immutable")}},
		{name: "immutable data", patch: `{"immutable":true,"data":{"a":"Mg=="}}`, oldPatch: `{"immutable":true}`, want: types.FieldErrorList{
			types.FieldForbidden(valPath("data"), "field is immutable when `immutable` is set")}},
		{name: "immutable stringData", patch: `{"immutable":true,"stringData":{"b":"x"}}`, oldPatch: `{"immutable":true}`, want: types.FieldErrorList{
			types.FieldForbidden(valPath("data"), "field is immutable when `immutable` is set")}},
		{name: "immutable stays", patch: `{"immutable":null}`, oldPatch: `{"immutable":true}`, want: types.FieldErrorList{
			types.FieldForbidden(valPath("immutable"), "field is immutable when `immutable` is set")}},
	})
}
