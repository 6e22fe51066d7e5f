package apiserver

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/kubemem/kubemem/types"
)

// MaxRequestBodyBytes is the largest request body accepted, kube-apiserver's default --max-request-body-bytes.
const MaxRequestBodyBytes = 3 << 20

// Media types.
const (
	mediaJSON     = "application/json"
	mediaYAML     = "application/yaml"
	mediaProtobuf = "application/vnd.kubernetes.protobuf"
)

// outputKind is the response form a request asked for in its Accept header.
type outputKind uint8

const (
	outputObject              outputKind = iota // the object or list as stored
	outputTable                                 // meta.k8s.io/v1 Table
	outputPartialMetadata                       // meta.k8s.io/v1 PartialObjectMetadata (one object, or watch events)
	outputPartialMetadataList                   // meta.k8s.io/v1 PartialObjectMetadataList
)

// negotiate picks the response form from the Accept header: the first acceptable media range wins (kube-apiserver
// honours order, not q-values, among the forms it serves). Protobuf alone is refused with 406.
func negotiate(r *http.Request) (outputKind, error) {
	accept := r.Header.Get("Accept")
	if accept == "" {
		return outputObject, nil
	}
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case mediaJSON, "*/*", "application/*":
			switch params["as"] {
			case "":
				return outputObject, nil
			case "Table":
				if params["g"] == "meta.k8s.io" && (params["v"] == "v1" || params["v"] == "v1beta1") {
					return outputTable, nil
				}
			case "PartialObjectMetadata", "PartialObjectMetadataList":
				if params["g"] == "meta.k8s.io" && (params["v"] == "v1" || params["v"] == "v1beta1") {
					if params["as"] == "PartialObjectMetadataList" {
						return outputPartialMetadataList, nil
					}
					return outputPartialMetadata, nil
				}
			}
		}
	}
	return 0, types.NewNotAcceptable([]string{mediaJSON, mediaJSON + ";as=Table;v=v1;g=meta.k8s.io", mediaJSON + ";as=PartialObjectMetadata;v=v1;g=meta.k8s.io"})
}

// readBody reads a JSON request body of at most MaxRequestBodyBytes.
func readBody(r *http.Request) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != mediaJSON && !strings.HasSuffix(mt, "+json")) {
			return nil, types.NewUnsupportedMediaType([]string{mediaJSON})
		}
	}
	return readRawBody(r)
}

// readRawBody reads a request body of at most MaxRequestBodyBytes, whatever its media type.
func readRawBody(r *http.Request) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r.Body, MaxRequestBodyBytes+1))
	if err != nil {
		return nil, types.NewBadRequest("unable to read the request body: " + err.Error())
	}
	if len(data) > MaxRequestBodyBytes {
		return nil, types.NewRequestEntityTooLarge("limit is " + strconv.Itoa(MaxRequestBodyBytes))
	}
	return data, nil
}

// decodeObject parses a request body into an object.
func decodeObject(data []byte) (*types.Object, error) {
	if len(strings.TrimSpace(string(data))) == 0 {
		return nil, types.NewBadRequest("the body of the request was empty")
	}
	obj, err := types.ParseObject(data)
	if err != nil {
		if errors.Is(err, types.ErrNotObject) {
			return nil, types.NewBadRequest("couldn't get version/kind; json parse error: the body is not a JSON object")
		}
		return nil, types.NewBadRequest("couldn't get version/kind; json parse error: " + err.Error())
	}
	return obj, nil
}

// writeJSON writes a JSON body with the status code.
func writeJSON(w http.ResponseWriter, code int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", mediaJSON)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	_, _ = w.Write(body)
}

// writeError writes err as a Status with its code, and Retry-After when the Status asks for one (SEMANTICS S-2).
func writeError(w http.ResponseWriter, err error) {
	st := types.StatusFromError(err)
	if st.Details != nil && st.Details.RetryAfterSeconds > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(st.Details.RetryAfterSeconds)))
	}
	body, _ := json.Marshal(st) // a Status holds only strings, numbers and slices of them
	code := int(st.Code)
	if code == 0 {
		code = http.StatusInternalServerError
	}
	writeJSON(w, code, body)
}
