package proof

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/kubemem/kubemem/types"
)

// trafficClient issues random Kubernetes verbs on a handful of names, one at a time, like one client of etcd's
// Kubernetes traffic (SEMANTICS E-1): creates, gets, lists (paged or not), conditional and unconditional updates,
// merge and strategic merge patches, deletes with and without a resourceVersion precondition, and lists at an old
// resourceVersion.
type trafficClient struct {
	id  int
	b   backend
	rng *rand.Rand
	run *run
	seq int // tokens issued
	ops int // operations issued

	known   [maxKeys]observed // the last state this client saw of each name
	seenRVs []int64           // list resourceVersions this client saw, for Exact lists
}

func (c *trafficClient) token() string {
	c.seq++
	return fmt.Sprintf("c%d.%d", c.id, c.seq)
}

func (c *trafficClient) randomValue() Value {
	return Value{V: c.token(), W: pick(c.rng, "", "", "x", "y"), Team: pick(c.rng, "", "a", "a", "b")}
}

func pick[T any](rng *rand.Rand, xs ...T) T { return xs[rng.IntN(len(xs))] }

// precondition returns the resourceVersion a conditional write sends: the client's last view of the name (maybe
// stale, which is the point), or a resourceVersion that never matched when it has none.
func (c *trafficClient) precondition(key int) int64 {
	if c.known[key].RV != 0 {
		return c.known[key].RV
	}
	return 1
}

// runOps issues n operations, or a few more once the server is closing (they fail, or read the final state).
func (c *trafficClient) runOps(ctx context.Context, n int) {
	afterClose := 0
	for i := 0; i < n && ctx.Err() == nil; i++ {
		if c.run.closing.Load() {
			if afterClose++; afterClose > 5 {
				return
			}
		}
		c.one(ctx)
		c.run.opsDone.Add(1)
	}
}

func (c *trafficClient) one(ctx context.Context) {
	keys := c.run.cfg.Keys
	key := c.rng.IntN(keys)
	in := modelInput{Key: key}
	switch p := c.rng.IntN(100); {
	case p < 12:
		in.Kind = opGet
	case p < 22:
		in.Kind = opList
		if c.rng.IntN(2) == 0 {
			in.Limit = int64(1 + c.rng.IntN(3))
		}
	case p < 26:
		c.exactList(ctx)
		return
	case p < 42:
		in.Kind, in.Value = opCreate, c.randomValue()
	case p < 64:
		in.Kind, in.Value = opUpdate, c.randomValue()
		if c.rng.IntN(4) != 0 {
			in.IfRV = c.precondition(key)
		}
	case p < 82:
		in.Kind = opPatch
		in.Patch = patchSpec{V: c.token(), W: c.randomField("x", "z"), Team: c.randomField("a", "b")}
		if c.rng.IntN(3) == 0 {
			in.IfRV = c.precondition(key)
		}
	default:
		in.Kind = opDelete
		if c.rng.IntN(2) == 0 {
			in.IfRV = c.precondition(key)
		}
	}
	c.do(ctx, in)
}

func (c *trafficClient) randomField(vals ...string) fieldPatch {
	switch c.rng.IntN(3) {
	case 0:
		return fieldPatch{Op: setField, Val: pick(c.rng, vals...)}
	case 1:
		return fieldPatch{Op: removeField}
	}
	return fieldPatch{}
}

// do runs one operation, records it and updates the client's view.
func (c *trafficClient) do(ctx context.Context, in modelInput) {
	c.ops++
	op := recordedOp{Client: c.id, Backend: c.b.name(), In: in}
	var faultCancel context.CancelFunc
	opCtx := ctx
	if c.run.cfg.Faults.Disconnects && c.b.name() == "http" && c.rng.IntN(5) == 0 {
		// A client that gives up mid-request: it cancels after up to 400µs while the server is held up to 1ms
		// before or after the real handler.
		op.Fault = true
		opCtx, faultCancel = context.WithCancel(ctx)
		time.AfterFunc(time.Duration(c.rng.IntN(400))*time.Microsecond, faultCancel)
		defer faultCancel()
		c.run.counters.disconnects.Add(1)
	}
	var fault string
	if op.Fault {
		fault = faultHeader(pick(c.rng, faultDelayBefore, faultDelayAfter), time.Duration(200+c.rng.IntN(800))*time.Microsecond)
	}
	tag := func() context.Context {
		id := fmt.Sprintf("%d/%d/%d", c.id, c.ops, len(op.ReqIDs))
		op.ReqIDs = append(op.ReqIDs, id)
		return withRequestTag(opCtx, requestTag{ID: id, Fault: fault})
	}

	var err error
	op.Call = c.run.rec.now()
	switch in.Kind {
	case opCreate:
		op.Out.Obj, err = c.b.create(tag(), in.Key, in.Value)
	case opGet:
		op.Out.Obj, err = c.b.get(tag(), in.Key)
	case opUpdate:
		uid := ""
		if in.IfRV != 0 {
			uid = c.known[in.Key].UID
		}
		op.Out.Obj, err = c.b.update(tag(), in.Key, in.Value, in.IfRV, uid)
	case opPatch:
		op.Out.Obj, err = c.b.patch(tag(), in.Key, in.Patch, in.IfRV, c.rng.IntN(2) == 0)
	case opDelete:
		op.Out.Obj, op.Out.HasObj, err = c.b.delete(tag(), in.Key, in.IfRV)
	case opList:
		var firstReturn int64
		op.Out.ListRV, op.Out.Items, firstReturn, err = c.pagedList(tag, in.Limit)
		if err == nil {
			// The list is a read of the first page's snapshot (P-2): its answer was fixed by then.
			op.Return = firstReturn
		}
	}
	if op.Return == 0 {
		op.Return = c.run.rec.now()
	}
	op.Out.Outcome = classify(err)
	if in.Kind == opGet && op.Out.Outcome != outOK && op.Out.Outcome != outNotFound ||
		in.Kind == opList && op.Out.Outcome != outOK {
		op.Out.Outcome = outUnknown
	}
	if op.Out.Outcome == outUnknown {
		op.Err = err.Error()
		if c.run.closing.Load() {
			op.Fault = true
		}
		if types.IsResourceExpired(err) && in.Kind == opList {
			op.Fault = true // a continue token that expired under compaction (checked on its own)
		}
	}
	c.run.rec.add(op)
	c.learn(in, op.Out)
}

// pagedList lists everything, page by page when limit > 0 (P-2, P-3). Every page must report the first page's
// resourceVersion. A continue token that expired (410) is recorded and the list starts over, as client-go's pager
// does (P-7).
func (c *trafficClient) pagedList(tag func() context.Context, limit int64) (rv int64, items []observed, firstReturn int64, err error) {
	for attempt := 0; ; attempt++ {
		page, err := c.b.list(tag(), listOpts{Limit: limit})
		if err != nil {
			return 0, nil, 0, err
		}
		firstReturn = c.run.rec.now()
		rv, items = page.RV, page.Items
		for page.Continue != "" {
			page, err = c.b.list(tag(), listOpts{Limit: limit, Continue: page.Continue})
			if err != nil {
				break
			}
			if page.RV != rv {
				c.run.rec.problem(fmt.Sprintf("client %d: a page of a paged list reported resourceVersion %d, the first %d (P-2)", c.id, page.RV, rv))
			}
			items = append(items, page.Items...)
		}
		if err == nil {
			c.seenRVs = append(c.seenRVs, rv)
			return rv, items, firstReturn, nil
		}
		if !types.IsResourceExpired(err) || attempt > 5 {
			return 0, nil, 0, err
		}
		c.run.rec.addExpired(expiredContinue{SnapshotRV: rv, Floor: c.run.srv.CompactedRevision()})
		c.run.counters.continueExpired.Add(1)
	}
}

// exactList lists at a resourceVersion the client saw before: the answer must be the state at exactly that
// revision, or 410 if it was compacted.
func (c *trafficClient) exactList(ctx context.Context) {
	if len(c.seenRVs) == 0 {
		return
	}
	rv := c.seenRVs[c.rng.IntN(len(c.seenRVs))]
	page, err := c.b.list(ctx, listOpts{RV: rv, Exact: true})
	switch {
	case err == nil:
		c.run.rec.addExact(exactRead{RV: rv, Items: page.Items, ListRV: page.RV})
	case types.IsResourceExpired(err):
		c.run.rec.addExact(exactRead{RV: rv, Expired: true, Floor: c.run.srv.CompactedRevision()})
		c.run.counters.exactExpired.Add(1)
	case !c.run.closing.Load():
		c.run.rec.problem(fmt.Sprintf("client %d: list at resourceVersion %d (Exact): %v", c.id, rv, err))
	}
}

// learn updates the client's view of the names from an answer.
func (c *trafficClient) learn(in modelInput, out modelOutput) {
	if out.Outcome != outOK {
		return
	}
	switch in.Kind {
	case opList:
		for _, it := range out.Items {
			c.known[it.Key] = it
		}
	case opDelete:
	default:
		c.known[in.Key] = out.Obj
	}
}
