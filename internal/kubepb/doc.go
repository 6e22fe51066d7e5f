// Package kubepb transcodes between the Kubernetes protobuf wire format and JSON, driven by the schemas of the
// built-in kinds (types.Schema), without Go types for the kinds.
//
// kubemem keeps objects as JSON. A protobuf request body is decoded to the JSON that Go's encoding/json would give
// for the k8s.io/api object the body unmarshals into (every non-omitempty field present, zero values included, in
// the order of the Go declaration); a response in protobuf is encoded from the stored JSON. The field numbers come
// from the protobuf struct tags of k8s.io/api (see internal/schemagen); the types with an encoding of their own
// (metav1.Time and MicroTime, resource.Quantity, intstr.IntOrString, runtime.RawExtension, metav1.FieldsV1,
// metav1.Duration, and apiextensions' JSON and JSONSchemaPropsOr* types) are written by hand in special.go.
//
// A Kubernetes protobuf object is the four bytes "k8s\x00" followed by a runtime.Unknown message that names the
// object's apiVersion and kind and carries the object's own message (envelope.go). Watch streams frame each
// metav1.WatchEvent message, without that prefix, behind a four-byte big-endian length.
//
// Every function is pure and safe for concurrent use.
package kubepb
