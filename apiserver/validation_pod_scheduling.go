package apiserver

import (
	"fmt"
	"strings"

	"github.com/kubemem/kubemem/types"
)

// Scheduling-related pod rules of pkg/apis/core/validation/validation.go: ValidateTolerations,
// validateTaintEffect, validatePodDNSConfig (with relaxed DNS search names) and
// validateTopologySpreadConstraints.

// validateTolerations is ValidateTolerations.
func validateTolerations(tols []any, path vpath) types.FieldErrorList {
	var errs types.FieldErrorList
	for i, t := range tols {
		tol, idx := vObj(t), path.index(i)
		key, op, value, effect := tol.str("key"), tol.str("operator"), tol.str("value"), tol.str("effect")
		if key != "" {
			errs = append(errs, validateLabelName(key, idx.child("key"))...)
		}
		if key == "" && op != "Exists" {
			errs = append(errs, types.FieldInvalid(idx.child("operator").path(), op,
				"operator must be Exists when `key` is empty, which means \"match all values and all keys\""))
		}
		if tol.has("tolerationSeconds") && effect != "NoExecute" {
			errs = append(errs, types.FieldInvalid(idx.child("effect").path(), effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"))
		}
		switch op {
		case "Equal", "":
			if msgs := types.IsValidLabelValue(value); len(msgs) != 0 {
				errs = append(errs, types.FieldInvalid(idx.child("operator").path(), value, strings.Join(msgs, ";")))
			}
		case "Exists":
			if value != "" {
				errs = append(errs, types.FieldInvalid(idx.child("operator").path(), value, "value must be empty when `operator` is 'Exists'"))
			}
		default:
			errs = append(errs, types.FieldNotSupported(idx.child("operator").path(), op, []string{"Equal", "Exists"}))
		}
		if effect != "" {
			errs = append(errs, validateTaintEffect(effect, idx.child("effect"))...)
		}
	}
	return errs
}

// vTaintEffects are the effects of a taint or toleration.
var vTaintEffects = []string{"NoSchedule", "PreferNoSchedule", "NoExecute"}

// validateTaintEffect is validateTaintEffect for a set effect.
func validateTaintEffect(effect string, path vpath) types.FieldErrorList {
	if !vOneOf(effect, vTaintEffects) {
		return types.FieldErrorList{types.FieldNotSupported(path.path(), effect, vTaintEffects)}
	}
	return nil
}

// validatePodDNSConfig is validatePodDNSConfig with relaxed search names.
func validatePodDNSConfig(cfg vmap, set bool, policy string, path vpath) types.FieldErrorList {
	if policy == "None" {
		if !set {
			return types.FieldErrorList{types.FieldRequired(path.path(), "must provide `dnsConfig` when `dnsPolicy` is None")}
		}
		if len(cfg.list("nameservers")) == 0 {
			return types.FieldErrorList{types.FieldRequired(path.child("nameservers").path(), "must provide at least one DNS nameserver when `dnsPolicy` is None")}
		}
	}
	if !set {
		return nil
	}
	var errs types.FieldErrorList
	ns := cfg.strList("nameservers")
	if len(ns) > 3 {
		errs = append(errs, types.FieldInvalid(path.child("nameservers").path(), ns, "must not have more than 3 nameservers"))
	}
	for i, n := range ns {
		errs = append(errs, validateIP(path.child("nameservers").index(i).path(), n)...)
	}
	searches := cfg.strList("searches")
	if len(searches) > 32 {
		errs = append(errs, types.FieldInvalid(path.child("searches").path(), searches, "must not have more than 32 search paths"))
	}
	if len(strings.Join(searches, " ")) > 2048 {
		errs = append(errs, types.FieldInvalid(path.child("searches").path(), searches, "must not have more than 2048 characters (including spaces) in the search list"))
	}
	for i, s := range searches {
		if s != "." {
			s = strings.TrimSuffix(s, ".")
			errs = append(errs, invalidAt(path.child("searches").index(i), s, dns1123SubdomainUnderscoreMessages(s))...)
		}
	}
	for i, o := range cfg.list("options") {
		if vObj(o).str("name") == "" {
			errs = append(errs, types.FieldRequired(path.child("options").index(i).path(), "must not be empty"))
		}
	}
	return errs
}

// validateTopologySpreadConstraints is validateTopologySpreadConstraints.
func validateTopologySpreadConstraints(constraints []any, path vpath) types.FieldErrorList {
	var errs types.FieldErrorList
	for i, c := range constraints {
		tsc, p := vObj(c), path.index(i)
		if skew := tsc.integer0("maxSkew"); skew <= 0 {
			errs = append(errs, types.FieldInvalid(p.child("maxSkew").path(), skew, "must be greater than zero"))
		}
		key, action := tsc.str("topologyKey"), tsc.str("whenUnsatisfiable")
		if key == "" {
			errs = append(errs, types.FieldRequired(p.child("topologyKey").path(), "can not be empty"))
		}
		if actions := []string{"DoNotSchedule", "ScheduleAnyway"}; !vOneOf(action, actions) {
			errs = append(errs, types.FieldNotSupported(p.child("whenUnsatisfiable").path(), action, actions))
		}
		for _, rest := range constraints[i+1:] {
			if r := vObj(rest); r.str("topologyKey") == key && r.str("whenUnsatisfiable") == action {
				errs = append(errs, types.FieldDuplicate(p.child("{topologyKey, whenUnsatisfiable}").path(), fmt.Sprintf("{%v, %v}", key, action)))
				break
			}
		}
		if md, ok := tsc.integer("minDomains"); ok {
			if md <= 0 {
				errs = append(errs, types.FieldInvalid(p.child("minDomains").path(), md, "must be greater than zero"))
			}
			if action != "DoNotSchedule" {
				errs = append(errs, types.FieldInvalid(p.child("minDomains").path(), md,
					fmt.Sprintf("can only use minDomains if whenUnsatisfiable=DoNotSchedule, not %s", action)))
			}
		}
		for _, f := range []string{"nodeAffinityPolicy", "nodeTaintsPolicy"} {
			if tsc.hasStr(f) {
				if v := tsc.str(f); !vOneOf(v, []string{"Honor", "Ignore"}) {
					errs = append(errs, types.FieldNotSupported(p.child(f).path(), v, []string{"Honor", "Ignore"}))
				}
			}
		}
		sel := labelSelectorOf(tsc["labelSelector"])
		if keys := tsc.strList("matchLabelKeys"); len(keys) > 0 {
			selKeys := map[string]bool{}
			if sel == nil {
				errs = append(errs, types.FieldForbidden(p.child("matchLabelKeys").path(), "must not be specified when labelSelector is not set"))
			} else {
				for k := range sel.MatchLabels {
					selKeys[k] = true
				}
				for _, e := range sel.MatchExpressions {
					selKeys[e.Key] = true
				}
			}
			for j, k := range keys {
				errs = append(errs, validateLabelName(k, p.child("matchLabelKeys").index(j))...)
				if selKeys[k] {
					errs = append(errs, types.FieldInvalid(p.child("matchLabelKeys").index(j).path(), k, "exists in both matchLabelKeys and labelSelector"))
				}
			}
		}
		errs = append(errs, validateLabelSelector(sel, p.child("labelSelector").path())...)
	}
	return errs
}
