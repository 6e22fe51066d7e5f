package load

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/kubemem/kubemem/apiserver"
)

// env is one server on a loopback listener and a client-go clientset for it.
type env struct {
	cfg Config
	srv *apiserver.Server
	hs  *httptest.Server
	tr  *http.Transport
	cs  kubernetes.Interface
	log *writeLog
}

// newEnv starts a server and its clientset: client-go's default content type (protobuf), no client-side rate limit,
// and one transport shared by every client and watch with an idle connection for every client. The server keeps
// its history for the whole run (the default five minutes, unless the run is longer), so that watches resume and
// resolveDeletes lists at any revision of it.
func newEnv(cfg Config) (*env, error) {
	srv, err := apiserver.New(apiserver.Options{Retention: max(5*time.Minute, cfg.Duration+3*cfg.SettleTimeout)})
	if err != nil {
		return nil, err
	}
	e := &env{cfg: cfg, srv: srv, log: newWriteLog()}
	e.hs = httptest.NewServer(srv.Handler(apiserver.HandlerOptions{}))
	e.tr = &http.Transport{MaxIdleConns: cfg.Clients + 64, MaxIdleConnsPerHost: cfg.Clients + 64, IdleConnTimeout: time.Minute}
	e.cs, err = kubernetes.NewForConfig(&rest.Config{Host: e.hs.URL, Transport: e.tr, QPS: -1})
	if err != nil {
		e.close()
		return nil, err
	}
	return e, nil
}

// close stops the server (which ends open watches), the listener and the transport's idle connections.
func (e *env) close() {
	e.srv.Close()
	e.hs.Close()
	e.tr.CloseIdleConnections()
}

func (e *env) createNamespaces(ctx context.Context) error {
	for ns := range e.cfg.Namespaces {
		_, err := e.cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespaceName(ns)}}, metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("namespace %s: %w", namespaceName(ns), err)
		}
	}
	return nil
}

func (e *env) newClient(id int, st *stats) *client {
	return &client{cs: e.cs, cfg: &e.cfg, log: e.log, stats: st, id: id, rng: rand.New(rand.NewPCG(e.cfg.Seed, uint64(id)))}
}

func (e *env) newWatcher(id int, sel selection, mode startMode, st *stats) *watcher {
	return &watcher{id: id, sel: sel, mode: mode, timeout: e.cfg.WatchTimeout, drop: e.cfg.dropEvent, cs: e.cs, log: e.log, stats: st,
		rng: rand.New(rand.NewPCG(e.cfg.Seed, 1<<32+uint64(id)))}
}

// revision returns the server's current revision, from an empty list.
func (e *env) revision(ctx context.Context) (int64, error) {
	l, err := e.cs.CoreV1().ConfigMaps(namespaceName(0)).List(ctx, metav1.ListOptions{LabelSelector: "app=none"})
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(l.ResourceVersion, 10, 64)
}

// seed creates half of the names of every namespace as ConfigMaps and a quarter as pods, with Clients goroutines.
func (e *env) seed(ctx context.Context, st *stats) {
	type obj struct {
		r        resource
		ns, name int
	}
	work := make(chan obj)
	var wg sync.WaitGroup
	for i := range max(e.cfg.Clients, 1) {
		c := e.newClient(-1-i, st)
		wg.Go(func() {
			for o := range work {
				c.createAt(ctx, o.r, o.ns, o.name)
			}
		})
	}
	for ns := range e.cfg.Namespaces {
		for name := range e.cfg.Names / 2 {
			work <- obj{configMaps, ns, name}
			if name%2 == 0 {
				work <- obj{pods, ns, name}
			}
		}
	}
	close(work)
	wg.Wait()
}

// planWatch returns the selection and start of watch id: a fifth on pods, 3% across all namespaces, one of the
// label selectors of randomSelector, 5% of those in one namespace on a single name, the start modes in turn; from
// is a revision in [seedFrom, seedTo].
func (e *env) planWatch(id int, seedFrom, seedTo int64) (selection, startMode, int64, error) {
	rng := rand.New(rand.NewPCG(e.cfg.Seed, 2<<32+uint64(id)))
	sel := selection{res: configMaps, ns: rng.IntN(e.cfg.Namespaces), name: -1, labelSelector: randomSelector(rng, e.cfg.Shards)}
	if rng.IntN(5) == 0 {
		sel.res = pods
	}
	if rng.IntN(100) < 3 {
		sel.ns = -1
	} else if rng.IntN(100) < 5 {
		sel.name = rng.IntN(e.cfg.Names)
		sel.fieldSelector = "metadata.name=" + objectName(sel.res, sel.name)
	}
	ls, err := labels.Parse(sel.labelSelector)
	if err != nil {
		return sel, 0, 0, err
	}
	for s := range e.cfg.Shards {
		if ls.Matches(labels.Set(objectLabels(s))) {
			sel.shards |= 1 << uint(s)
		}
	}
	return sel, startMode(id % int(numStartModes)), seedFrom + rng.Int64N(seedTo-seedFrom+1), nil
}
