package conformance

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/pager"

	"github.com/kubemem/kubemem/apiserver"
)

const (
	pagerNamespace = "pager"
	pagerObjects   = 10000
	pagerPageSize  = 500
)

func pagerName(i int) string { return fmt.Sprintf("cm-%05d", i) }

// pageRecord is what one page request asked and got.
type pageRecord struct {
	opts  metav1.ListOptions
	items int
	rv    string
	cont  string
	err   error
}

// recordingPager returns a client-go pager over the configmaps of the pager namespace that records every page
// and calls between(page) after each successful page.
func recordingPager(e *env, between func(page int)) (*pager.ListPager, *[]pageRecord) {
	var mu sync.Mutex
	var pages []pageRecord
	p := pager.New(func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
		l, err := e.cs.CoreV1().ConfigMaps(pagerNamespace).List(ctx, opts)
		mu.Lock()
		rec := pageRecord{opts: opts, err: err}
		if err == nil {
			rec.items, rec.rv, rec.cont = len(l.Items), l.ResourceVersion, l.Continue
		}
		pages = append(pages, rec)
		n := len(pages)
		mu.Unlock()
		if err == nil && between != nil {
			between(n)
		}
		return l, err
	})
	p.PageSize = pagerPageSize
	return p, &pages
}

// listedNames returns the names of a pager result's items and its resourceVersion.
func listedNames(t *testing.T, obj runtime.Object) ([]string, string) {
	t.Helper()
	items, err := apimeta.ExtractList(obj)
	require.NoError(t, err)
	names := make([]string, len(items))
	for i, it := range items {
		names[i] = it.(*corev1.ConfigMap).Name
	}
	lm, err := apimeta.ListAccessor(obj)
	require.NoError(t, err)
	return names, lm.GetResourceVersion()
}

// serverNames lists the pager namespace through the Go API.
func serverNames(t *testing.T, e *env) []string {
	t.Helper()
	l, err := e.s.API.Resource(apiserver.ConfigMaps).Namespace(pagerNamespace).List(e.ctx, apiserver.ListOptions{})
	require.NoError(t, err)
	names := make([]string, len(l.Items))
	for i, o := range l.Items {
		names[i] = o.Name()
	}
	return names
}

// TestPager lists 10,000 configmaps with client-go's pager, as reflectors do (SEMANTICS C-1, P-2, P-7): pages of
// 500 at one resourceVersion, in key order, unaffected by writes between pages; resourceVersion=0 is served in one
// piece; a continue token that expired is answered 410 and the pager falls back to one full list (P-5).
func TestPager(t *testing.T) {
	forEachTransport(t, func(t *testing.T, e *env) {
		e.namespace(t, pagerNamespace)
		createConfigMapsDirect(t, e.s.API, pagerNamespace, pagerObjects, pagerName)
		want := make([]string, pagerObjects)
		for i := range want {
			want[i] = pagerName(i)
		}

		t.Run("pages of 500 at one resourceVersion", func(t *testing.T) {
			extra := 0
			p, pages := recordingPager(e, func(page int) {
				if page == 1 { // P-2: later writes are invisible to the remaining pages
					createConfigMapsDirect(t, e.s.API, pagerNamespace, 10, func(i int) string { return fmt.Sprintf("cm-%05d-late", i) })
					extra = 10
				}
			})
			obj, paginated, err := p.List(e.ctx, metav1.ListOptions{})
			require.NoError(t, err)
			require.True(t, paginated)
			names, rv := listedNames(t, obj)
			require.Equal(t, want, names, "all items, in key order, none of the later ones")
			require.Len(t, *pages, pagerObjects/pagerPageSize)
			for i, pg := range *pages {
				require.NoError(t, pg.err)
				require.Equal(t, int64(pagerPageSize), pg.opts.Limit)
				require.Equal(t, pagerPageSize, pg.items, "page %d", i)
				require.Equal(t, rv, pg.rv, "page %d has the first page's resourceVersion", i)
				if i > 0 {
					require.Empty(t, pg.opts.ResourceVersion, "P-7: the pager clears resourceVersion after page 1")
					require.NotEmpty(t, pg.opts.Continue)
				}
			}
			require.Empty(t, (*pages)[len(*pages)-1].cont, "the last page has no continue")
			require.Len(t, serverNames(t, e), pagerObjects+extra)
		})

		t.Run("resourceVersion=0 ignores the page size", func(t *testing.T) {
			p, pages := recordingPager(e, nil)
			obj, paginated, err := p.List(e.ctx, metav1.ListOptions{ResourceVersion: "0"})
			require.NoError(t, err)
			require.False(t, paginated, "KUBE (R-2): limit is ignored with resourceVersion=0")
			names, _ := listedNames(t, obj)
			require.Equal(t, serverNames(t, e), names)
			require.Len(t, *pages, 1)
		})

		t.Run("expired continue falls back to a full list", func(t *testing.T) {
			p, pages := recordingPager(e, func(page int) {
				if page == 2 {
					createConfigMapsDirect(t, e.s.API, pagerNamespace, 1, func(int) string { return "cm-99999-after-compaction" })
					e.s.API.Compact(e.s.API.Revision())
				}
			})
			obj, _, err := p.List(e.ctx, metav1.ListOptions{})
			require.NoError(t, err)
			names, _ := listedNames(t, obj)
			require.Equal(t, serverNames(t, e), names, "the fallback is one full list of the current state")
			require.Contains(t, names, "cm-99999-after-compaction")
			require.Len(t, *pages, 4, "two pages, the expired one, the full list")
			expired := (*pages)[2]
			require.True(t, apierrors.IsResourceExpired(expired.err), "%v", expired.err)
			requireStatus(t, expired.err, 410, metav1.StatusReasonExpired, "")
			require.Contains(t, expired.err.Error(), "The provided continue parameter is too old to display a consistent list result.")
			var se *apierrors.StatusError
			require.ErrorAs(t, expired.err, &se)
			require.NotEmpty(t, se.ErrStatus.ListMeta.Continue, "P-5: the Status offers a token that continues at the latest state")
			full := (*pages)[3]
			require.Zero(t, full.opts.Limit)
			require.Empty(t, full.opts.Continue)
		})
	})
}
