package structural

// Default applies the schema's defaults to obj in place, as kube-apiserver's structural defaulting does, and
// reports whether it changed anything.
//
// The rules (defaulting.Default): in an object, each declared property with a default is set to a copy of it when
// the field is absent, or null while the property is not nullable; then every field is defaulted by its property
// or additionalProperties schema, and a null value of a non-nullable additionalProperties schema is replaced by
// that schema's default (null when it has none). Array elements are treated like additionalProperties values with
// the items schema. Defaulting descends only into values that exist, so a nested default applies only when its
// parent object is present (or was itself created by a default that contains it). Defaults of embedded resources
// work the same way; apiVersion, kind and metadata at the root never have defaults.
//
// Default does not modify s and never aliases its default values into obj; obj must not be used concurrently.
func (s *Schema) Default(obj map[string]any) bool {
	if s == nil || obj == nil {
		return false
	}
	return applyDefaults(obj, s)
}

// isNonNullableNull reports whether x is a null that schema s does not allow.
func isNonNullableNull(x any, s *Schema) bool {
	return x == nil && s != nil && !s.Nullable
}

func applyDefaults(x any, s *Schema) bool {
	if s == nil {
		return false
	}
	changed := false
	switch x := x.(type) {
	case map[string]any:
		for _, k := range s.propertyNames {
			prop := s.Properties[k]
			if !prop.HasDefault || prop.DefaultValue == nil {
				continue
			}
			if v, found := x[k]; !found || isNonNullableNull(v, prop) {
				x[k] = deepCopy(prop.DefaultValue)
				changed = true
			}
		}
		for _, k := range sortedKeys(x) {
			if prop, ok := s.Properties[k]; ok {
				changed = applyDefaults(x[k], prop) || changed
			} else if s.HasAdditionalProperties {
				ap := s.AdditionalProperties
				if isNonNullableNull(x[k], ap) && ap.HasDefault {
					x[k] = deepCopy(ap.DefaultValue)
					changed = true
				}
				changed = applyDefaults(x[k], ap) || changed
			}
		}
	case []any:
		for i := range x {
			if isNonNullableNull(x[i], s.Items) && s.Items.HasDefault {
				x[i] = deepCopy(s.Items.DefaultValue)
				changed = true
			}
			changed = applyDefaults(x[i], s.Items) || changed
		}
	}
	return changed
}

// HasDefaults reports whether s or a schema below it (properties, additionalProperties, items) declares a default,
// that is whether Default can change an object. It is safe for concurrent use.
func (s *Schema) HasDefaults() bool {
	if s == nil {
		return false
	}
	if s.HasDefault {
		return true
	}
	for _, p := range s.Properties {
		if p.HasDefaults() {
			return true
		}
	}
	return s.AdditionalProperties.HasDefaults() || s.Items.HasDefaults()
}
