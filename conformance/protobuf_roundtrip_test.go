package conformance

// The proof that kubemem's protobuf transcoder (internal/kubepb) agrees with the protobuf code generated for
// k8s.io/api, for every kind kubemem serves (pbCases: the kinds and list kinds of internal/schemagen/kinds.go and
// the meta.k8s.io types):
//
//   - direction A, k8s -> kubemem: an object k8s' protobuf serializer encodes (lists also with the streaming
//     encoding of collections) decodes with kubepb to the JSON encoding/json writes for the object k8s itself
//     decodes from those bytes (its "canonical" form: what protobuf keeps of the object, nil and empty slices
//     alike), members in encoding/json's order;
//   - direction A for other protobuf writers: the same message rewritten as k8s' Unmarshal also accepts it (fields
//     out of order, packed, split, overridden, unknown; protobuf_rewrite_test.go) decodes with kubepb to the JSON
//     of what k8s decodes from it;
//   - direction B, kubemem -> k8s: kubepb's protobuf of that JSON decodes with k8s to the object k8s' JSON decoder
//     makes of it, which is the canonical object itself for all but the pbFillWire pass (values JSON cannot
//     represent exactly);
//   - lists through kubepb.AppendList, and watch streams through kubepb.AppendWatchEvent, ParseWatchEvent and
//     AppendJSON of metav1.WatchEvent, read and written by client-go's own watch decoder and apimachinery's framer.
//
// The objects come from a deterministic random filler (protobuf_fill_test.go): a first pass sets every field, the
// next ones leave fields out at random, the last one adds values only protobuf carries; a kind passes only if
// every field of its schema that has a protobuf number held a non-zero value in some pass. The union types'
// variants JSON cannot represent are also checked on fixed objects (protobuf_union_test.go), timestamps on the
// edge cases of metav1.Time and MicroTime (protobuf_timestamp_test.go).

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"k8s.io/apimachinery/pkg/runtime/serializer/streaming"
	"k8s.io/apimachinery/pkg/watch"
	restclientwatch "k8s.io/client-go/rest/watch"

	"github.com/kubemem/kubemem/internal/kubepb"
	"github.com/kubemem/kubemem/types"
)

const (
	// pbSeed fixes every filled object; change it to explore other values.
	pbSeed = 20260801
	// pbPasses is the number of objects per kind: one full, then random ones, the last with values only protobuf
	// carries. List kinds have pbListPasses (full, random, protobuf only): their items are the kinds' objects.
	pbPasses     = 5
	pbListPasses = 3
)

// TestProtobufCasesCoverSchema makes sure that the table of kinds is complete: every kind of kubemem's schema (the
// kinds and list kinds of internal/schemagen/kinds.go) has a case, and every case has a kubepb schema.
func TestProtobufCasesCoverSchema(t *testing.T) {
	have := map[string]bool{}
	for _, c := range pbCases() {
		_, ok := kubepb.SchemaFor(c.apiVersion, c.kind)
		require.True(t, ok, "kubepb has no schema for %s", c.name())
		have[c.name()] = true
	}
	for _, gvk := range types.SchemaKinds() {
		name := gvk.GroupVersion().String() + "/" + gvk.Kind
		require.True(t, have[name], "no protobuf case for the schema's kind %s", name)
	}
}

// TestProtobufRoundTrip is the proof, kind by kind.
func TestProtobufRoundTrip(t *testing.T) {
	for ci, c := range pbCases() {
		t.Run(c.name(), func(t *testing.T) {
			t.Parallel()
			s, ok := kubepb.SchemaFor(c.apiVersion, c.kind)
			require.True(t, ok)
			cov := newPBCoverage(s)
			var stream pbWatchStream
			passes := pbPasses
			if c.isList() {
				passes = pbListPasses
			}
			for pass := range passes {
				mode := pbFillRandom
				switch pass {
				case 0:
					mode = pbFillFull
				case passes - 1:
					mode = pbFillWire
				}
				obj := c.new()
				newPBFiller(pbSeed+int64(ci*pbPasses+pass), mode).Fill(obj)
				obj.GetObjectKind().SetGroupVersionKind(c.gvk())
				t.Run(fmt.Sprintf("pass%d", pass), func(t *testing.T) {
					r := newPBRoundTrip(t, c, s, obj, mode)
					cov.add(t, r.wantJSON)
					r.checkKubeToKubemem(t)
					r.checkRewritten(t, pbSeed+int64(ci*pbPasses+pass))
					r.checkKubememToKube(t)
					if c.isList() {
						r.checkList(t)
					}
					stream.add(t, r, pass)
				})
			}
			t.Run("watch", func(t *testing.T) { stream.check(t) })
			require.Empty(t, cov.missing(), "fields of %s never set by the filler: the proof does not reach them", c.name())
		})
	}
}

// pbRoundTrip is one object of one case, with its encodings.
type pbRoundTrip struct {
	c         pbCase
	schema    *types.Schema
	wire      []byte   // k8s' protobuf of the object: "k8s\x00", envelope, message
	canonical pbObject // the object k8s decodes from wire, apiVersion and kind set from the envelope
	wantJSON  []byte   // encoding/json of canonical
	fromJSON  pbObject // the object k8s' JSON decoding makes of wantJSON: canonical, unless the fill is pbFillWire
}

func newPBRoundTrip(t testing.TB, c pbCase, s *types.Schema, obj pbObject, mode pbFillMode) *pbRoundTrip {
	t.Helper()
	var buf bytes.Buffer
	if obj.GetObjectKind().GroupVersionKind().Empty() {
		// A type without TypeMeta (metav1.WatchEvent), whose envelope the serializer leaves empty: wrap it as
		// the serializer does, naming the case's kind.
		msg, err := obj.Marshal()
		require.NoError(t, err)
		unk := runtime.Unknown{TypeMeta: runtime.TypeMeta{APIVersion: c.apiVersion, Kind: c.kind}, Raw: msg}
		env, err := unk.Marshal()
		require.NoError(t, err)
		buf.WriteString(kubepb.Magic)
		buf.Write(env)
	} else {
		require.NoError(t, pbSerializer().Encode(obj, &buf))
	}
	r := &pbRoundTrip{c: c, schema: s, wire: buf.Bytes()}
	out, gvk, err := pbSerializer().Decode(r.wire, nil, c.new())
	require.NoError(t, err)
	require.Equal(t, c.gvk(), *gvk)
	r.canonical = out.(pbObject)
	r.wantJSON, err = json.Marshal(r.canonical)
	require.NoError(t, err)

	r.fromJSON = c.new()
	require.NoError(t, json.Unmarshal(r.wantJSON, r.fromJSON))
	r.fromJSON.GetObjectKind().SetGroupVersionKind(c.gvk())
	if mode != pbFillWire {
		// The filler must only make values that JSON represents exactly, so that direction B can ask for the
		// canonical object itself: k8s' own JSON decoding must give it back.
		requireSemanticEqual(t, r.canonical, r.fromJSON, "the filler made a value JSON does not represent (a bug of this test)")
	}
	return r
}

// bare returns a copy of o without apiVersion and kind, which the bare message (no envelope) does not carry.
func bare(o pbObject) pbObject {
	o = o.DeepCopyObject().(pbObject)
	o.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{})
	return o
}

// checkKubeToKubemem is direction A: kubepb reads what k8s writes.
func (r *pbRoundTrip) checkKubeToKubemem(t testing.TB) {
	t.Helper()
	apiVersion, kind, doc, err := kubepb.DecodeObject(r.wire)
	require.NoError(t, err)
	require.Equal(t, r.c.apiVersion, apiVersion)
	require.Equal(t, r.c.kind, kind)
	requireJSONEqual(t, r.wantJSON, doc, "kubepb.DecodeObject of k8s' protobuf")

	// The bare message, through AppendJSON: the same JSON without apiVersion and kind.
	msg, err := r.canonical.Marshal()
	require.NoError(t, err)
	doc, err = kubepb.AppendJSON([]byte("prefix"), r.schema, msg)
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(doc, []byte("prefix")), "AppendJSON appends")
	want, err := json.Marshal(bare(r.canonical))
	require.NoError(t, err)
	requireJSONEqual(t, want, doc[len("prefix"):], "kubepb.AppendJSON of the generated Marshal")

	// kube-apiserver encodes lists with the streaming encoding of collections: the same wire format, written
	// another way.
	if r.c.isList() {
		var buf bytes.Buffer
		require.NoError(t, pbStreaming().Encode(r.canonical, &buf))
		_, _, doc, err := kubepb.DecodeObject(buf.Bytes())
		require.NoError(t, err)
		requireJSONEqual(t, r.wantJSON, doc, "kubepb.DecodeObject of a streamed list")
	}
}

// checkRewritten is direction A for protobuf writers other than k8s': the object's message rewritten by
// pbRewriter (fields out of order, packed, split, overridden, unknown fields; protobuf_rewrite_test.go), in an
// envelope written out of order with an overridden typeMeta, must decode with kubepb to the JSON of what k8s
// decodes from it.
func (r *pbRoundTrip) checkRewritten(t testing.TB, seed int64) {
	t.Helper()
	var unk runtime.Unknown
	require.NoError(t, unk.Unmarshal(r.wire[len(kubepb.Magic):]))
	w := &pbRewriter{r: rand.New(rand.NewSource(seed))}
	msg := w.message(unk.Raw, r.schema, nil)
	typeMeta := func(apiVersion, kind string) []byte { return pbMsg(pbString(1, apiVersion), pbString(2, kind)) }
	wire := []byte(kubepb.Magic)
	wire = append(wire, pbMsg(pbString(4, ""), pbString(3, ""), pbBytes(2, msg),
		pbBytes(1, typeMeta("decoy/v1", "Decoy")), pbBytes(1, typeMeta(r.c.apiVersion, r.c.kind)))...)

	got, gvk, err := pbSerializer().Decode(wire, nil, r.c.new())
	require.NoError(t, err, "k8s decoding the rewritten message (a bug of the rewriter)")
	require.Equal(t, r.c.gvk(), *gvk)
	want, err := json.Marshal(got)
	require.NoError(t, err)
	apiVersion, kind, doc, err := kubepb.DecodeObject(wire)
	require.NoError(t, err, "kubepb.DecodeObject of the rewritten message")
	require.Equal(t, r.c.apiVersion, apiVersion)
	require.Equal(t, r.c.kind, kind)
	requireJSONEqual(t, want, doc, "kubepb.DecodeObject of the rewritten message")
}

// checkKubememToKube is direction B: k8s reads what kubepb writes.
func (r *pbRoundTrip) checkKubememToKube(t testing.TB) {
	t.Helper()
	pb, err := kubepb.AppendObject([]byte("prefix"), r.c.apiVersion, r.c.kind, r.wantJSON)
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(pb, []byte("prefix")), "AppendObject appends")
	pb = pb[len("prefix"):]
	got, gvk, err := pbSerializer().Decode(pb, nil, r.c.new())
	require.NoError(t, err, "k8s decoding kubepb.AppendObject")
	require.Equal(t, r.c.gvk(), *gvk)
	requireSemanticEqual(t, r.fromJSON, got, "k8s decoding kubepb.AppendObject")

	// kubepb reads its own output back as encoding/json writes that object: the same JSON, unless the fill is
	// pbFillWire (then a null time pointer, say, is left out).
	_, _, doc, err := kubepb.DecodeObject(pb)
	require.NoError(t, err)
	again, err := json.Marshal(r.fromJSON)
	require.NoError(t, err)
	requireJSONEqual(t, again, doc, "kubepb.DecodeObject of kubepb.AppendObject")

	// The bare message, through AppendMessage and the generated Unmarshal.
	want := bare(r.fromJSON)
	doc, err = json.Marshal(bare(r.canonical))
	require.NoError(t, err)
	msg, err := kubepb.AppendMessage(nil, r.schema, doc)
	require.NoError(t, err)
	bareGot := r.c.new()
	require.NoError(t, bareGot.Unmarshal(msg), "the generated Unmarshal of kubepb.AppendMessage")
	requireSemanticEqual(t, want, bareGot, "the generated Unmarshal of kubepb.AppendMessage")
}

// checkList encodes a list as kubemem's list handler does, from the JSON of its metadata and of each stored item
// (which carries its apiVersion and kind, as stored objects do), and decodes it with k8s.
func (r *pbRoundTrip) checkList(t testing.TB) {
	t.Helper()
	list := reflect.ValueOf(r.canonical.DeepCopyObject()).Elem()
	listMeta, err := json.Marshal(list.FieldByName("ListMeta").Interface())
	require.NoError(t, err)
	items := list.FieldByName("Items")
	itemGVK := r.c.gvk()
	itemGVK.Kind = strings.TrimSuffix(itemGVK.Kind, "List")
	docs := make([][]byte, items.Len())
	for i := range docs {
		item := items.Index(i).Addr().Interface().(runtime.Object)
		item.GetObjectKind().SetGroupVersionKind(itemGVK)
		docs[i], err = json.Marshal(item)
		require.NoError(t, err)
	}
	calls := 0
	pb, err := kubepb.AppendList(nil, r.c.apiVersion, r.c.kind, listMeta, len(docs), func(i int, scratch []byte) []byte {
		calls++
		return append(scratch, docs[i]...)
	})
	require.NoError(t, err)
	require.Equal(t, len(docs), calls)
	got, _, err := pbSerializer().Decode(pb, nil, r.c.new())
	require.NoError(t, err, "k8s decoding kubepb.AppendList")
	requireSemanticEqual(t, r.fromJSON, got, "k8s decoding kubepb.AppendList")
}

// pbWatchStream collects the frames of one watch stream in both directions: kubepb's frames, which client-go's
// watch decoder must read, and apimachinery's, which kubepb must read.
type pbWatchStream struct {
	kubemem, kube bytes.Buffer
	want          []pbWatchEvent
}

type pbWatchEvent struct {
	typ      watch.EventType
	fromJSON pbObject // what client-go must decode
	wantJSON []byte   // what kubepb must decode: encoding/json of fromJSON
}

var pbEventTypes = []watch.EventType{watch.Added, watch.Modified, watch.Deleted, watch.Bookmark, watch.Error}

func (w *pbWatchStream) add(t testing.TB, r *pbRoundTrip, pass int) {
	t.Helper()
	typ := pbEventTypes[pass%len(pbEventTypes)]
	object, err := kubepb.AppendObject(nil, r.c.apiVersion, r.c.kind, r.wantJSON)
	require.NoError(t, err)
	at := w.kubemem.Len()
	w.kubemem.Write(kubepb.AppendWatchEvent(nil, string(typ), object))

	// kube-apiserver's framing of the same event (its raw serializer writes the WatchEvent without envelope):
	// byte for byte kubepb's.
	enc := streaming.NewEncoder(protobuf.LengthDelimitedFramer.NewFrameWriter(&w.kube), pbRaw())
	require.NoError(t, enc.Encode(&metav1.WatchEvent{Type: string(typ), Object: runtime.RawExtension{Raw: object}}))
	require.Equal(t, w.kube.Bytes()[at:], w.kubemem.Bytes()[at:], "the frame of kubepb.AppendWatchEvent")

	// And an event holding the object k8s encoded, which kubepb reads in the check.
	require.NoError(t, enc.Encode(&metav1.WatchEvent{Type: string(typ), Object: runtime.RawExtension{Raw: r.wire}}))
	w.kubemem.Write(kubepb.AppendWatchEvent(nil, string(typ), r.wire))
	// client-go reads kubepb's object (made from JSON) as k8s' JSON decoding, k8s' object as canonical; kubepb
	// reads them as encoding/json writes those.
	again, err := json.Marshal(r.fromJSON)
	require.NoError(t, err)
	w.want = append(w.want, pbWatchEvent{typ, r.fromJSON, again}, pbWatchEvent{typ, r.canonical, r.wantJSON})
}

func (w *pbWatchStream) check(t testing.TB) {
	watchEventSchema, ok := types.SchemaForType("metav1.WatchEvent")
	require.True(t, ok)

	// client-go's watch decoder over kubepb's frames, as a typed watch reads them.
	frames := protobuf.LengthDelimitedFramer.NewFrameReader(io.NopCloser(bytes.NewReader(w.kubemem.Bytes())))
	d := restclientwatch.NewDecoder(streaming.NewDecoder(frames, pbRaw()), pbSerializer())
	for i, e := range w.want {
		typ, obj, err := d.Decode()
		require.NoError(t, err, "event %d", i)
		require.Equal(t, e.typ, typ, "event %d", i)
		requireSemanticEqual(t, e.fromJSON, obj, "client-go decoding event %d of kubepb's watch stream", i)
	}
	_, _, err := d.Decode()
	require.ErrorIs(t, err, io.EOF)

	// kubepb over k8s' frames.
	data := w.kube.Bytes()
	for i, e := range w.want {
		require.GreaterOrEqual(t, len(data), 4, "event %d", i)
		n := binary.BigEndian.Uint32(data)
		require.GreaterOrEqual(t, uint32(len(data)-4), n, "event %d", i)
		typ, object, err := kubepb.ParseWatchEvent(data[4 : 4+n])
		require.NoError(t, err, "event %d", i)
		require.Equal(t, string(e.typ), typ, "event %d", i)
		_, _, doc, err := kubepb.DecodeObject(object)
		require.NoError(t, err, "event %d", i)
		requireJSONEqual(t, e.wantJSON, doc, "kubepb decoding event %d of k8s' watch stream", i)

		// The whole event as JSON, as a JSON watch stream carries it: AppendJSON of metav1.WatchEvent decodes the
		// protobuf object its RawExtension holds.
		doc, err = kubepb.AppendJSON(nil, watchEventSchema, data[4:4+n])
		require.NoError(t, err, "event %d", i)
		want, err := json.Marshal(&metav1.WatchEvent{Type: string(e.typ), Object: runtime.RawExtension{Raw: e.wantJSON}})
		require.NoError(t, err)
		requireJSONEqual(t, want, doc, "kubepb.AppendJSON of event %d", i)
		data = data[4+n:]
	}
	require.Empty(t, data)
}

// TestProtobufCorruptionDetected shows that the checks above can fail: a message changed by one byte, in either
// direction, is caught.
func TestProtobufCorruptionDetected(t *testing.T) {
	c := pbCase{"v1", "Pod", &corev1.Pod{}}
	s, ok := kubepb.SchemaFor(c.apiVersion, c.kind)
	require.True(t, ok)
	obj := c.new()
	newPBFiller(pbSeed, pbFillFull).Fill(obj)
	obj.(*corev1.Pod).Name = "corrupt-me"
	obj.GetObjectKind().SetGroupVersionKind(c.gvk())
	r := newPBRoundTrip(t, c, s, obj, pbFillFull)

	corrupt := func(t *testing.T, data []byte) []byte {
		i := bytes.Index(data, []byte("corrupt-me"))
		require.GreaterOrEqual(t, i, 0)
		data = bytes.Clone(data)
		data[i+len("corrupt-")] = 'M' // same length: the message stays well-formed
		return data
	}

	t.Run("kube to kubemem", func(t *testing.T) {
		bad := *r
		bad.wire = corrupt(t, r.wire)
		requireFails(t, bad.checkKubeToKubemem)
	})
	t.Run("kubemem to kube", func(t *testing.T) {
		pb, err := kubepb.AppendObject(nil, c.apiVersion, c.kind, r.wantJSON)
		require.NoError(t, err)
		got, _, err := pbSerializer().Decode(corrupt(t, pb), nil, c.new())
		require.NoError(t, err)
		requireFails(t, func(t testing.TB) { requireSemanticEqual(t, r.canonical, got) })
	})
	t.Run("dropped field", func(t *testing.T) {
		// A transcoder that lost a field: the JSON without the first container's image.
		var doc map[string]any
		d := json.NewDecoder(bytes.NewReader(r.wantJSON))
		d.UseNumber()
		require.NoError(t, d.Decode(&doc))
		delete(doc["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any), "image")
		lossy, err := json.Marshal(doc)
		require.NoError(t, err)
		requireFails(t, func(t testing.TB) { requireJSONEqual(t, r.wantJSON, lossy) })
		pb, err := kubepb.AppendObject(nil, c.apiVersion, c.kind, lossy)
		require.NoError(t, err)
		got, _, err := pbSerializer().Decode(pb, nil, c.new())
		require.NoError(t, err)
		requireFails(t, func(t testing.TB) { requireSemanticEqual(t, r.canonical, got) })
	})
}

// requireFails runs check against a stand-in for t that records failures instead of reporting them, and fails t
// unless check failed.
func requireFails(t *testing.T, check func(t testing.TB)) {
	t.Helper()
	rec := &failRecorder{TB: t}
	func() {
		defer func() {
			if v := recover(); v != nil && v != errFailNow {
				panic(v)
			}
		}()
		check(rec)
	}()
	require.True(t, rec.failed, "the check did not detect the corruption")
}

var errFailNow = errors.New("FailNow")

// failRecorder is a testing.TB whose failures are recorded (and logged, shortened) rather than failing the test.
type failRecorder struct {
	testing.TB
	failed bool
}

func (f *failRecorder) Errorf(format string, args ...any) {
	f.failed = true
	f.TB.Logf("detected as expected: %s", shorten([]byte(fmt.Sprintf(format, args...))))
}
func (f *failRecorder) Error(args ...any)                 { f.Errorf("%s", fmt.Sprint(args...)) }
func (f *failRecorder) Fail()                             { f.failed = true }
func (f *failRecorder) FailNow()                          { f.failed = true; panic(errFailNow) }
func (f *failRecorder) Fatalf(format string, args ...any) { f.Errorf(format, args...); f.FailNow() }
func (f *failRecorder) Fatal(args ...any)                 { f.Error(args...); f.FailNow() }
func (f *failRecorder) Failed() bool                      { return f.failed }
