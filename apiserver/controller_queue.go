package apiserver

import (
	"context"
	"sync"
	"time"
)

// workQueue is the work queue of a built-in controller, with client-go's workqueue contract: a key added while it
// waits is queued once; a key added while a worker processes it is queued again when that processing ends, so no two
// workers ever process one key at once and no change is lost. Failed keys come back after an exponential backoff
// measured on the server's clock (client-go's default controller rate limiter: 5ms doubling up to 1000s). It is safe
// for concurrent use; close wakes every waiting worker.
type workQueue[T comparable] struct {
	c *controllers // runs the delayed adds and owns their goroutines

	// mu guards the fields below; cond waits on it for a key or for close.
	mu         sync.Mutex
	cond       *sync.Cond
	items      []T        // queued keys in FIFO order
	queued     map[T]bool // keys in items
	processing map[T]bool // keys a worker holds
	dirty      map[T]bool // keys added while being processed: queued again by done
	failures   map[T]int  // consecutive failures per key, for the backoff
	closed     bool
}

// The backoff of a failing key: base doubling per failure up to limit.
const (
	queueBackoffBase  = 5 * time.Millisecond
	queueBackoffLimit = 1000 * time.Second
)

func newWorkQueue[T comparable](c *controllers) *workQueue[T] {
	q := &workQueue[T]{c: c, queued: map[T]bool{}, processing: map[T]bool{}, dirty: map[T]bool{}, failures: map[T]int{}}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// add queues key unless it is already queued; a key being processed is queued again when its processing ends.
func (q *workQueue[T]) add(key T) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	if q.processing[key] {
		q.dirty[key] = true
		return
	}
	if q.queued[key] {
		return
	}
	q.queued[key] = true
	q.items = append(q.items, key)
	q.cond.Signal()
}

// get blocks until a key is queued and hands it to the caller, who must call done with it. It returns false once
// the queue is closed.
func (q *workQueue[T]) get() (T, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 && !q.closed {
		q.cond.Wait()
	}
	var zero T
	if q.closed {
		return zero, false
	}
	key := q.items[0]
	q.items[0] = zero
	q.items = q.items[1:]
	delete(q.queued, key)
	q.processing[key] = true
	return key, true
}

// done ends the processing of key, queueing it again if it was added meanwhile.
func (q *workQueue[T]) done(key T) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.processing, key)
	if q.dirty[key] {
		delete(q.dirty, key)
		if !q.closed && !q.queued[key] {
			q.queued[key] = true
			q.items = append(q.items, key)
			q.cond.Signal()
		}
	}
}

// retry queues key again after its backoff, which doubles with each consecutive failure.
func (q *workQueue[T]) retry(key T) {
	q.mu.Lock()
	n := q.failures[key]
	q.failures[key] = n + 1
	q.mu.Unlock()
	d := queueBackoffBase
	for i := 0; i < n && d < queueBackoffLimit; i++ {
		d *= 2
	}
	q.addAfter(key, min(d, queueBackoffLimit))
}

// forget resets key's backoff after a success.
func (q *workQueue[T]) forget(key T) {
	q.mu.Lock()
	delete(q.failures, key)
	q.mu.Unlock()
}

// addAfter queues key once d has passed on the server's clock (or never, if the controllers stop first).
func (q *workQueue[T]) addAfter(key T, d time.Duration) {
	q.c.spawn(func(ctx context.Context) {
		if q.c.sleep(ctx, d) {
			q.add(key)
		}
	})
}

// close makes get return false to every worker, now and later; queued keys are dropped.
func (q *workQueue[T]) close() {
	q.mu.Lock()
	q.closed = true
	q.items = nil
	q.cond.Broadcast()
	q.mu.Unlock()
}

// pending returns how many keys are queued or being processed.
func (q *workQueue[T]) pending() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items) + len(q.processing)
}

// work runs n workers that, once the informers have made their first lists, process keys with fn until the queue
// closes: a key whose fn fails is retried after its backoff, one that succeeds has its backoff reset.
func (q *workQueue[T]) work(n int, fn func(ctx context.Context, key T) error) {
	for range n {
		q.c.spawn(func(ctx context.Context) {
			if !q.c.waitSynced(ctx) {
				return
			}
			for {
				key, ok := q.get()
				if !ok {
					return
				}
				if err := fn(ctx, key); err != nil && ctx.Err() == nil {
					q.c.logError("controller: will retry", key, err)
					q.retry(key)
				} else {
					q.forget(key)
				}
				q.done(key)
			}
		})
	}
}
