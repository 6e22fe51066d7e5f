package main

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// protoPath returns the protobuf field numbers of a JSON field of struct type t, from t down to the field: "3" for
// a field of t's own message, "2.1" for field 1 of the message of the embedded struct that is t's field 2 (a Volume's
// VolumeSource: JSON flattens it, protobuf does not). It returns "" when the field has no protobuf form (TypeMeta's
// fields, which Kubernetes objects carry in the protobuf envelope instead, and types without protobuf tags).
// The wire type follows from the field's Go type (see checkShape).
func protoPath(t reflect.Type, jf jsonField) (string, error) {
	var nums []string
	cur := t
	for depth, i := range jf.index {
		sf := cur.Field(i)
		tag := sf.Tag.Get("protobuf")
		if tag == "" {
			return "", nil
		}
		parts := strings.Split(tag, ",")
		if len(parts) < 2 {
			return "", fmt.Errorf("malformed protobuf tag %q", tag)
		}
		if _, err := strconv.ParseUint(parts[1], 10, 29); err != nil {
			return "", fmt.Errorf("protobuf tag %q: bad field number", tag)
		}
		nums = append(nums, parts[1])
		ft := sf.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if depth < len(jf.index)-1 {
			if ft.Kind() != reflect.Struct {
				return "", fmt.Errorf("embedded field %s: protobuf tag %q on a %s", sf.Name, tag, ft.Kind())
			}
			cur = ft
			continue
		}
		if err := checkShape(ft); err != nil {
			return "", err
		}
	}
	return strings.Join(nums, "."), nil
}

// checkShape checks that the library can derive the protobuf encoding of a field's Go type from its JSON type:
// varint for bool and integers, fixed64 for float64, bytes for strings, []byte and messages; lists and maps
// (whatever the tag says, gogo-protobuf encodes them as repeated fields, maps as entries with the key as field 1
// and the value as field 2) of those. The wire type in the struct tags is not trusted: PodSpec's priority is tagged
// bytes but encoded as a varint, as its generated.proto says.
func checkShape(ft reflect.Type) error {
	isBytes := func(t reflect.Type) bool {
		return (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) && t.Elem().Kind() == reflect.Uint8
	}
	if isBytes(ft) {
		return nil
	}
	if ft.Kind() == reflect.Slice || ft.Kind() == reflect.Map {
		ft = ft.Elem()
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if isBytes(ft) {
			return nil
		}
	}
	switch ft.Kind() {
	case reflect.Bool, reflect.Int32, reflect.Int64, reflect.Float64, reflect.String, reflect.Struct:
		return nil
	}
	return fmt.Errorf("no protobuf encoding for %s", ft)
}
