package apiserver

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net/url"
	"strings"

	"github.com/kubemem/kubemem/types"
)

// The conversion rules of CustomResourceDefinition validation (validation.go validateCustomResourceConversion),
// with the webhook client config checks of k8s.io/apiserver pkg/util/webhook/validation.go. Paths are those of the
// internal type: spec.conversion.webhookClientConfig and spec.conversion.conversionReviewVersions. kubemem does
// not call conversion webhooks; a CRD that names one is validated and stored as kube-apiserver would store it.

// crdWebhookURLForm ends ValidateWebhookURL's messages.
const crdWebhookURLForm = "; desired format: https://host[/path]"

// validateCRDConversion is validateCustomResourceConversion (nil conversion: nothing).
func validateCRDConversion(spec *crdSpec, opts crdOptions, p *types.FieldPath) types.FieldErrorList {
	if spec.conversion == nil {
		return nil
	}
	strategy := spec.conversion.str("strategy")
	errs := crdEnum(p.Child("strategy"), strategy, "None", "Webhook")
	ccPath, cc := p.Child("webhookClientConfig"), spec.webhookClientConfig
	if strategy != "Webhook" {
		if cc != nil {
			errs = append(errs, types.FieldForbidden(ccPath, "should not be set when strategy is not set to Webhook"))
		}
		if len(spec.reviewVersions) > 0 {
			errs = append(errs, types.FieldForbidden(p.Child("conversionReviewVersions"), "should not be set when strategy is not set to Webhook"))
		}
		return errs
	}
	if cc == nil {
		errs = append(errs, types.FieldRequired(ccPath, "required when strategy is set to Webhook"))
	} else {
		switch service := cc.obj("service"); {
		case cc.hasStr("url") == (service != nil):
			errs = append(errs, types.FieldRequired(ccPath, "exactly one of url or service is required"))
		case cc.hasStr("url"):
			errs = append(errs, validateWebhookURL(ccPath.Child("url"), cc.str("url"))...)
		default:
			errs = append(errs, validateWebhookService(ccPath.Child("service"), service)...)
		}
		if bundle, err := base64.StdEncoding.DecodeString(cc.str("caBundle")); err == nil && len(bundle) > 0 && !opts.allowInvalidCABundle {
			if err := crdCABundleError(bundle); err != nil {
				errs = append(errs, types.FieldInvalid(ccPath.Child("caBundle"), bundle, err.Error()))
			}
		}
	}
	return append(errs, validateConversionReviewVersions(spec.reviewVersions, opts.requireRecognizedConversionReviewVersion, p.Child("conversionReviewVersions"))...)
}

// validateWebhookURL is webhook.ValidateWebhookURL with https required.
func validateWebhookURL(p *types.FieldPath, raw string) types.FieldErrorList {
	u, err := url.Parse(raw)
	if err != nil {
		return types.FieldErrorList{types.FieldRequired(p, "url must be a valid URL: "+err.Error()+crdWebhookURLForm)}
	}
	var errs types.FieldErrorList
	if u.Scheme != "https" {
		errs = append(errs, types.FieldInvalid(p, u.Scheme, "'https' is the only allowed URL scheme"+crdWebhookURLForm))
	}
	if u.Host == "" {
		errs = append(errs, types.FieldInvalid(p, u.Host, "host must be specified"+crdWebhookURLForm))
	}
	if u.User != nil {
		errs = append(errs, types.FieldInvalid(p, u.User.String(), "user information is not permitted in the URL"))
	}
	if u.Fragment != "" {
		errs = append(errs, types.FieldInvalid(p, u.Fragment, "fragments are not permitted in the URL"))
	}
	if u.RawQuery != "" {
		errs = append(errs, types.FieldInvalid(p, u.RawQuery, "query parameters are not permitted in the URL"))
	}
	return errs
}

// validateWebhookService is webhook.ValidateWebhookService. An unset port is the internal type's 0 (the defaulter
// sets 443 first).
func validateWebhookService(p *types.FieldPath, service vmap) types.FieldErrorList {
	var errs types.FieldErrorList
	if service.str("name") == "" {
		errs = append(errs, types.FieldRequired(p.Child("name"), ""))
	}
	if service.str("namespace") == "" {
		errs = append(errs, types.FieldRequired(p.Child("namespace"), ""))
	}
	port := int32(service.integer0("port"))
	if msgs := portNumMessages(int64(port)); len(msgs) > 0 {
		errs = append(errs, types.FieldInvalid(p.Child("port"), port, "port is not valid: "+strings.Join(msgs, ", ")))
	}
	urlPath := service.str("path")
	if !service.hasStr("path") || urlPath == "/" || urlPath == "" {
		return errs
	}
	pathPath := p.Child("path")
	if urlPath == "//" {
		return append(errs, types.FieldInvalid(pathPath, urlPath, "segment[0] may not be empty"))
	}
	if !strings.HasPrefix(urlPath, "/") {
		errs = append(errs, types.FieldInvalid(pathPath, urlPath, "must start with a '/'"))
	}
	for i, step := range strings.Split(strings.TrimSuffix(urlPath[1:], "/"), "/") {
		if step == "" {
			errs = append(errs, types.FieldInvalid(pathPath, urlPath, fmt.Sprintf("segment[%d] may not be empty", i)))
			continue
		}
		for _, msg := range types.IsDNS1123Subdomain(step) {
			errs = append(errs, types.FieldInvalid(pathPath, urlPath, fmt.Sprintf("segment[%d]: %v", i, msg)))
		}
	}
	return errs
}

// validateConversionReviewVersions is validateConversionReviewVersions.
func validateConversionReviewVersions(versions []string, requireRecognized bool, p *types.FieldPath) types.FieldErrorList {
	if len(versions) == 0 {
		return types.FieldErrorList{types.FieldRequired(p, "")}
	}
	var errs types.FieldErrorList
	seen := map[string]bool{}
	for i, v := range versions {
		if seen[v] {
			errs = append(errs, types.FieldInvalid(p.Index(i), v, "duplicate version"))
			continue
		}
		seen[v] = true
		errs = append(errs, invalidEach(p.Index(i), v, types.IsDNS1035Label(v))...)
	}
	if requireRecognized && !crdAcceptedReviewVersionOrEmpty(versions) {
		errs = append(errs, types.FieldInvalid(p, versions, "must include at least one of v1, v1beta1"))
	}
	return errs
}

// crdAcceptedReviewVersionOrEmpty is hasValidConversionReviewVersionOrEmpty: the ConversionReview versions this
// server understands are v1 and v1beta1.
func crdAcceptedReviewVersionOrEmpty(versions []string) bool {
	for _, v := range versions {
		if v == "v1" || v == "v1beta1" {
			return true
		}
	}
	return len(versions) == 0
}

// crdAllowInvalidCABundle is allowInvalidCABundle: a CA bundle is only checked on an update of an established CRD
// whose stored bundle is valid or empty.
func crdAllowInvalidCABundle(old vmap, oldSpec *crdSpec) bool {
	if !crdEstablished(old) {
		return true
	}
	bundle, err := base64.StdEncoding.DecodeString(oldSpec.webhookClientConfig.str("caBundle"))
	if err != nil || len(bundle) == 0 {
		return false
	}
	return crdCABundleError(bundle) != nil
}

// crdCABundleError is webhook.ValidateCABundle's error: what client-go's TLSConfigFor answers for the CA data.
func crdCABundleError(bundle []byte) error {
	if x509.NewCertPool().AppendCertsFromPEM(bundle) {
		return nil
	}
	for rest := bundle; len(rest) > 0; {
		var block *pem.Block
		if block, rest = pem.Decode(rest); block == nil {
			return fmt.Errorf("unable to load root certificates: unable to parse bytes as PEM block")
		}
		if block.Type != "CERTIFICATE" || len(block.Headers) != 0 {
			continue
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return fmt.Errorf("unable to load root certificates: failed to parse certificate: %w", err)
		}
	}
	return fmt.Errorf("unable to load root certificates: no valid certificate authority data seen")
}
