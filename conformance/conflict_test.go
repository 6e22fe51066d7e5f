package conformance

import (
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
)

// TestConflicts checks optimistic concurrency as client-go sees it: a stale update is 409 Conflict with kube's
// message (SEMANTICS W-3) and changes nothing, retry.RetryOnConflict converges, and an update without
// resourceVersion overwrites (W-4).
func TestConflicts(t *testing.T) {
	forEachTransport(t, func(t *testing.T, e *env) {
		cms := e.cs.CoreV1().ConfigMaps(testNamespace)
		cases := []namedRun{
			{"stale update is 409 and writes nothing", func(t *testing.T, e *env) {
				v1, err := cms.Create(e.ctx, newConfigMap("stale", labelsFor("a")), metav1.CreateOptions{})
				require.NoError(t, err)
				v2 := v1.DeepCopy()
				v2.Data["key"] = "v2"
				_, err = cms.Update(e.ctx, v2, metav1.UpdateOptions{})
				require.NoError(t, err)
				rev := e.s.API.Revision()
				v1.Data["key"] = "lost"
				_, err = cms.Update(e.ctx, v1, metav1.UpdateOptions{})
				require.True(t, apierrors.IsConflict(err), "%v", err)
				se := requireStatus(t, err, 409, metav1.StatusReasonConflict,
					`Operation cannot be fulfilled on configmaps "stale": the object has been modified; please apply your changes to the latest version and try again`)
				requireDetails(t, se, "stale", "", "configmaps")
				require.Equal(t, rev, e.s.API.Revision(), "a failed update makes no revision")
				cur, err := cms.Get(e.ctx, "stale", metav1.GetOptions{})
				require.NoError(t, err)
				require.Equal(t, "v2", cur.Data["key"])
			}},
			{"RetryOnConflict retries once after a concurrent write", func(t *testing.T, e *env) {
				_, err := cms.Create(e.ctx, newConfigMap("retry", labelsFor("a")), metav1.CreateOptions{})
				require.NoError(t, err)
				attempts := 0
				err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
					attempts++
					cur, err := cms.Get(e.ctx, "retry", metav1.GetOptions{})
					if err != nil {
						return err
					}
					if attempts == 1 { // another writer gets in between our read and our write
						other := cur.DeepCopy()
						other.Data["other"] = "yes"
						if _, err := cms.Update(e.ctx, other, metav1.UpdateOptions{}); err != nil {
							return err
						}
					}
					cur.Data["mine"] = "yes"
					_, err = cms.Update(e.ctx, cur, metav1.UpdateOptions{})
					return err
				})
				require.NoError(t, err)
				require.Equal(t, 2, attempts)
				cur, err := cms.Get(e.ctx, "retry", metav1.GetOptions{})
				require.NoError(t, err)
				require.Equal(t, "yes", cur.Data["other"])
				require.Equal(t, "yes", cur.Data["mine"])
			}},
			{"concurrent RetryOnConflict increments lose nothing", func(t *testing.T, e *env) {
				_, err := cms.Create(e.ctx, newConfigMap("counter", labelsFor("a")), metav1.CreateOptions{})
				require.NoError(t, err)
				start := e.s.API.Revision()
				const workers, perWorker = 4, 10
				var conflicts atomic.Int64
				var wg sync.WaitGroup
				errs := make(chan error, workers)
				for range workers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for range perWorker {
							err := retry.RetryOnConflict(retry.DefaultBackoff, func() error {
								cur, err := cms.Get(e.ctx, "counter", metav1.GetOptions{})
								if err != nil {
									return err
								}
								n, _ := strconv.Atoi(cur.Data["n"])
								cur.Data["n"] = strconv.Itoa(n + 1)
								_, err = cms.Update(e.ctx, cur, metav1.UpdateOptions{})
								if apierrors.IsConflict(err) {
									conflicts.Add(1)
								}
								return err
							})
							if err != nil {
								errs <- err
								return
							}
						}
					}()
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					require.NoError(t, err)
				}
				cur, err := cms.Get(e.ctx, "counter", metav1.GetOptions{})
				require.NoError(t, err)
				require.Equal(t, strconv.Itoa(workers*perWorker), cur.Data["n"])
				require.Equal(t, start+workers*perWorker, e.s.API.Revision(), "one revision per successful update, none per conflict")
				t.Logf("%d conflicts retried", conflicts.Load())
			}},
			{"update without resourceVersion overwrites", func(t *testing.T, e *env) {
				_, err := cms.Create(e.ctx, newConfigMap("unconditional", labelsFor("a")), metav1.CreateOptions{})
				require.NoError(t, err)
				blind := newConfigMap("unconditional", labelsFor("a")) // no resourceVersion
				blind.Data["key"] = "blind"
				out, err := cms.Update(e.ctx, blind, metav1.UpdateOptions{})
				require.NoError(t, err)
				require.Equal(t, "blind", out.Data["key"])
			}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) { c.run(t, e) })
		}
	})
}
