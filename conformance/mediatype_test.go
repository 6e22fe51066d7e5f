package conformance

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/metadata"

	"github.com/kubemem/kubemem/apiserver"
)

// mediaLog records the media types of every request body and response.
type mediaLog struct {
	mu       sync.Mutex // guards the slices
	sent     []string   // "<method> <Content-Type>" of requests with a body
	received []string   // Content-Type of responses
}

func (l *mediaLog) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripperFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := rt.RoundTrip(r)
		l.mu.Lock()
		defer l.mu.Unlock()
		if r.Body != nil && r.Body != http.NoBody {
			l.sent = append(l.sent, r.Method+" "+r.Header.Get("Content-Type"))
		}
		if err == nil {
			l.received = append(l.received, resp.Header.Get("Content-Type"))
		}
		return resp, err
	})
}

// TestMediaTypes checks that client-go's default configuration really talks protobuf to kubemem (request bodies,
// responses, watch streams, Status errors) and that the JSON configuration never does (SEMANTICS V-9).
func TestMediaTypes(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			t.Parallel()
			log := &mediaLog{}
			e := newEnv(t, tr, apiserver.Options{}, log.wrap)
			pods := e.cs.CoreV1().Pods(testNamespace)
			w, err := pods.Watch(e.ctx, metav1.ListOptions{})
			require.NoError(t, err)
			defer w.Stop()
			pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "media", Labels: map[string]string{"a": "b"}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx"}}}}
			created, err := pods.Create(e.ctx, pod, metav1.CreateOptions{})
			require.NoError(t, err)
			require.Equal(t, "b", created.Labels["a"])
			require.Equal(t, "nginx", created.Spec.Containers[0].Image)
			ev := <-w.ResultChan()
			require.Equal(t, watch.Added, ev.Type)
			require.Equal(t, "media", ev.Object.(*corev1.Pod).Name)
			_, err = pods.Create(e.ctx, pod, metav1.CreateOptions{})
			requireStatus(t, err, 409, metav1.StatusReasonAlreadyExists, `pods "media" already exists`)
			l, err := pods.List(e.ctx, metav1.ListOptions{})
			require.NoError(t, err)
			require.Len(t, l.Items, 1)
			require.NoError(t, pods.Delete(e.ctx, "media", metav1.DeleteOptions{}))

			md, err := metadata.NewForConfig(e.cfg)
			require.NoError(t, err)
			ml, err := md.Resource(schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}).List(e.ctx, metav1.ListOptions{})
			require.NoError(t, err)
			require.NotEmpty(t, ml.Items)

			log.mu.Lock()
			defer log.mu.Unlock()
			pb := "application/vnd.kubernetes.protobuf"
			var sentPB, gotPB, gotWatchPB int
			for _, s := range log.sent {
				if strings.HasSuffix(s, " "+pb) {
					sentPB++
				}
			}
			for _, ct := range log.received {
				switch {
				case ct == pb:
					gotPB++
				case ct == pb+";stream=watch":
					gotWatchPB++
				}
			}
			if tr.json {
				require.Zero(t, sentPB+gotWatchPB, "sent %v, received %v", log.sent, log.received)
				// The metadata client asks for protobuf whatever the configuration says.
				return
			}
			require.GreaterOrEqual(t, sentPB, 3, "creates and the delete send protobuf: %v", log.sent)
			require.GreaterOrEqual(t, gotPB, 4, "responses in protobuf: %v", log.received)
			require.Equal(t, 1, gotWatchPB, "the watch streams protobuf: %v", log.received)
		})
	}
}
