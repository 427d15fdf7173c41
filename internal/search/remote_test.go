package search

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/store"
	"github.com/openreview-finder/openreview-finder/internal/tensor"
)

// fakeNearest is an exact Nearest over a store's vectors, as a vector
// database would hold them, scored with the kernel the engine uses so that
// its rankings equal the in-memory engine's. It records every call.
type fakeNearest struct {
	st   *store.Store
	dim  int
	ids  []string
	rows []uint16
	byID map[string]int

	mu    sync.Mutex
	calls []nearestCall
	fail  error // returned by every call when set
}

type nearestCall struct {
	Q       []float32
	K       int
	Filter  store.Filter
	Exclude string
	Vector  string // the id Vector was asked for
}

func newFakeNearest(t testing.TB, st *store.Store) *fakeNearest {
	t.Helper()
	n := &fakeNearest{st: st, dim: testDim}
	n.load(t)
	return n
}

// load reads the store's vectors again; no call may be in flight.
func (n *fakeNearest) load(t testing.TB) {
	t.Helper()
	n.ids, n.rows, n.byID = nil, nil, map[string]int{}
	err := n.st.ScanVectors(t.Context(), func(r store.VectorRow) error {
		n.byID[r.ID] = len(n.ids)
		n.ids = append(n.ids, r.ID)
		h := make([]uint16, n.dim)
		decodeF16(h, r.Data)
		n.rows = append(n.rows, h...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func (n *fakeNearest) record(c nearestCall) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.calls = append(n.calls, c)
	return n.fail
}

func (n *fakeNearest) recorded() []nearestCall {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := n.calls
	n.calls = nil
	return out
}

func (n *fakeNearest) Nearest(ctx context.Context, q []float32, k int, f store.Filter, exclude string) ([]Neighbor, error) {
	if err := n.record(nearestCall{Q: slices.Clone(q), K: k, Filter: f, Exclude: exclude}); err != nil {
		return nil, err
	}
	var pass map[string]bool
	if !f.Empty() {
		ids, err := n.st.FilterIDs(ctx, f)
		if err != nil {
			return nil, err
		}
		pass = map[string]bool{}
		for _, id := range ids {
			pass[id] = true
		}
	}
	var hits []hit
	out := make([]float32, 1)
	for r, id := range n.ids {
		if id == exclude || pass != nil && !pass[id] {
			continue
		}
		tensor.DotF16(n.rows[r*n.dim:(r+1)*n.dim], n.dim, q, out)
		hits = append(hits, hit{int32(r), out[0]})
	}
	slices.SortFunc(hits, compareHits)
	var leg []Neighbor
	for _, h := range hits[:min(k, len(hits))] {
		leg = append(leg, Neighbor{ID: n.ids[h.row], Similarity: float64(h.score)})
	}
	return leg, nil
}

func (n *fakeNearest) Vector(ctx context.Context, id string) ([]float32, error) {
	if err := n.record(nearestCall{Vector: id}); err != nil {
		return nil, err
	}
	r, ok := n.byID[id]
	if !ok {
		if _, err := n.st.Paper(ctx, id); err != nil {
			return nil, err
		}
		return nil, ErrNotEmbedded
	}
	v := make([]float32, n.dim)
	for j, h := range n.rows[r*n.dim : (r+1)*n.dim] {
		v[j] = tensor.F16ToF32(h)
	}
	return v, nil
}

func (n *fakeNearest) VectorCount(context.Context) (int, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.ids), n.fail
}

// remoteStore is the store an engine over a fakeNearest reads: it fails
// the test when the engine loads vectors or filters by itself, which are
// the vector database's work. model, when set, replaces the model record.
type remoteStore struct {
	*store.Store
	t     testing.TB
	model *store.Model
}

func (s remoteStore) ScanVectors(context.Context, func(store.VectorRow) error) error {
	s.t.Error("the engine scanned the store's vectors; with Options.Vectors it must load none")
	return errors.New("ScanVectors called")
}

func (s remoteStore) FilterIDs(context.Context, store.Filter) ([]string, error) {
	s.t.Error("the engine filtered by itself; with Options.Vectors the filter is the vector database's")
	return nil, errors.New("FilterIDs called")
}

func (s remoteStore) EmbeddingModel(ctx context.Context) (store.Model, bool, error) {
	if s.model != nil {
		return *s.model, true, nil
	}
	return s.Store.EmbeddingModel(ctx)
}

// openRemote opens an engine over st whose vectors come from near.
func openRemote(t testing.TB, st Store, near Nearest, enc Embedder) *Engine {
	t.Helper()
	e, err := Open(t.Context(), st, Options{Query: enc, Paper: enc, Model: testModel, PaperText: testPaperText, Vectors: near})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

var remoteFilters = []store.Filter{
	{},
	{Venues: []string{"ICLR"}},
	{Years: []int{2024}, Statuses: []store.StatusFilter{{Status: paper.StatusAccepted}}},
	{Authors: []string{"hinton"}},
	{Keywords: []string{"privacy"}, Venues: []string{"NeurIPS.cc/2024/Conference", "TMLR"}},
}

// TestRemoteMatchesMemory: with an exact Nearest, every mode, Similar and
// SimilarText give the in-memory engine's results; explanations agree
// except that semantic ranks are known only within the leg.
func TestRemoteMatchesMemory(t *testing.T) {
	st := openStore(t, corpus(300, 21)...)
	enc := newFake()
	embedAll(t, st, enc)
	local := openEngine(t, st, enc)
	remote := openRemote(t, remoteStore{Store: st, t: t}, newFakeNearest(t, st), enc)
	if remote.Len() != 300 || remote.Semantic() != nil {
		t.Fatalf("remote engine: Len %d, Semantic %v; want 300 vectors and semantic search on", remote.Len(), remote.Semantic())
	}
	approx := cmpopts.EquateApprox(0, 1e-6)
	for _, f := range remoteFilters {
		for _, mode := range []Mode{ModeHybrid, ModeSemantic, ModeKeyword} {
			for _, limit := range []int{10, 150} {
				req := Request{Text: "graph message passing privacy", Mode: mode, Limit: limit, Filter: f, Explain: true}
				want, err := local.Search(t.Context(), req)
				if err != nil {
					t.Fatal(err)
				}
				depth := max(minDepth, limit)
				if mode == ModeSemantic {
					depth = limit
				}
				for _, r := range want.Results {
					if r.Explain.SemanticRank > depth { // beyond the leg: unknown remotely
						r.Explain.SemanticRank, r.Explain.Similarity = 0, 0
					}
				}
				got, err := remote.Search(t.Context(), req)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, got, approx); diff != "" {
					t.Errorf("%s search, limit %d, filter %+v (-memory +remote):\n%s", mode, limit, f, diff)
				}
			}
		}
		for _, id := range []string{"p0007", "p0123"} {
			want, err := local.Similar(t.Context(), id, 12, f)
			if err != nil {
				t.Fatal(err)
			}
			got, err := remote.Similar(t.Context(), "https://openreview.net/forum?id="+id, 12, f)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got, approx); diff != "" {
				t.Errorf("similar to %s, filter %+v (-memory +remote):\n%s", id, f, diff)
			}
		}
		want, err := local.SimilarText(t.Context(), "Diffusion for graphs", "We denoise node features.", 12, f)
		if err != nil {
			t.Fatal(err)
		}
		got, err := remote.SimilarText(t.Context(), "Diffusion for graphs", "We denoise node features.", 12, f)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got, approx); diff != "" {
			t.Errorf("similar to a text, filter %+v (-memory +remote):\n%s", f, diff)
		}
	}
}

// TestRemoteCalls: each search goes through Nearest with the request's
// filter, the query's unit vector, the leg's depth and the paper to leave
// out; keyword search without explanations does not ask it.
func TestRemoteCalls(t *testing.T) {
	papers := corpus(60, 22)
	st := openStore(t, papers...)
	enc := newFake()
	embedAll(t, st, enc)
	near := newFakeNearest(t, st)
	e := openRemote(t, remoteStore{Store: st, t: t}, near, enc)
	const text = "reward agent"
	qText, _ := normalize(enc.vector(text))
	qPaper, _ := normalize(enc.vector(testPaperText("A title", "An abstract")))
	f := store.Filter{Venues: []string{"ICLR"}, Authors: []string{"Lovelace"}, Years: []int{2024, 2025}}
	search := func(req Request) func() error {
		return func() error { _, err := e.Search(t.Context(), req); return err }
	}
	tests := []struct {
		name string
		run  func() error
		want []nearestCall
	}{
		{"semantic", search(Request{Text: text, Mode: ModeSemantic, Limit: 7, Filter: f}), []nearestCall{{Q: qText, K: 7, Filter: f}}},
		{"hybrid", search(Request{Text: text, Limit: 7, Filter: f}), []nearestCall{{Q: qText, K: minDepth, Filter: f}}},
		{"hybrid, deep", search(Request{Text: text, Limit: 140, Filter: f}), []nearestCall{{Q: qText, K: 140, Filter: f}}},
		{"keyword", search(Request{Text: text, Mode: ModeKeyword, Filter: f}), nil},
		{"keyword, explained", search(Request{Text: text, Mode: ModeKeyword, Filter: f, Explain: true}), []nearestCall{{Q: qText, K: minDepth, Filter: f}}},
		{"similar", func() error { _, err := e.Similar(t.Context(), papers[5].ID, 4, f); return err }, []nearestCall{
			{Vector: papers[5].ID},
			{Q: near.unit(t, papers[5].ID), K: 4, Filter: f, Exclude: papers[5].ID},
		}},
		{"similar text", func() error { _, err := e.SimilarText(t.Context(), "A title", "An abstract", 4, f); return err }, []nearestCall{{Q: qPaper, K: 4, Filter: f}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			near.recorded()
			if err := tt.run(); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, near.recorded(), cmpopts.EquateApprox(0, 1e-6)); diff != "" {
				t.Errorf("calls to Nearest (-want +got):\n%s", diff)
			}
		})
	}
}

// unit returns paper id's stored vector, normalised as Similar uses it.
func (n *fakeNearest) unit(t *testing.T, id string) []float32 {
	t.Helper()
	r := n.byID[id]
	v := make([]float32, n.dim)
	for j, h := range n.rows[r*n.dim : (r+1)*n.dim] {
		v[j] = tensor.F16ToF32(h)
	}
	q, err := normalize(v)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// TestRemoteSemanticOff: the model record and the vector count decide
// whether semantic search runs, as in memory; the encoding the record
// names does not matter to a vector database.
func TestRemoteSemanticOff(t *testing.T) {
	papers := corpus(30, 23)
	other := testModel
	other.Name = "other/model"
	f32 := testModel
	f32.Encoding = "f32"
	tests := []struct {
		name  string
		embed bool
		model *store.Model
		is    error // nil: semantic search on
		as    bool  // a *store.ModelMismatchError
	}{
		{"on", true, nil, nil, false},
		{"no model recorded", false, nil, ErrNoVectors, false},
		{"model but no vectors", false, &testModel, ErrNoVectors, false},
		{"other model", true, &other, paper.ErrInvalid, true},
		{"other encoding", true, &f32, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := openStore(t, papers...)
			if tt.embed {
				embedAll(t, st, newFake())
			}
			e := openRemote(t, remoteStore{Store: st, t: t, model: tt.model}, newFakeNearest(t, st), newFake())
			off := e.Semantic()
			var mm *store.ModelMismatchError
			if !errors.Is(off, tt.is) || (tt.is == nil) != (off == nil) || errors.As(off, &mm) != tt.as {
				t.Fatalf("Semantic() = %v, want %v (mismatch error: %v)", off, tt.is, tt.as)
			}
			resp, err := e.Search(t.Context(), Request{Text: "graph language"})
			if err != nil {
				t.Fatal(err)
			}
			if wantMode := map[bool]Mode{true: ModeHybrid, false: ModeKeyword}[off == nil]; resp.Mode != wantMode || len(resp.Results) == 0 {
				t.Errorf("hybrid search ran as %q with %d results; want %q with results", resp.Mode, len(resp.Results), wantMode)
			}
		})
	}
}

// TestRemoteReload: Len is the count at Open, refreshed by Reload; a
// failing vector database fails Open and searches with its error.
func TestRemoteReload(t *testing.T) {
	papers := corpus(40, 24)
	st := openStore(t, papers[:25]...)
	enc := newFake()
	embedAll(t, st, enc)
	near := newFakeNearest(t, st)
	e := openRemote(t, remoteStore{Store: st, t: t}, near, enc)
	commitPapers(t, st, papers[25:]...)
	embedAll(t, st, enc)
	near.load(t)
	if e.Len() != 25 {
		t.Fatalf("Len %d before Reload, want 25", e.Len())
	}
	if err := e.Reload(t.Context()); err != nil {
		t.Fatal(err)
	}
	if e.Len() != 40 {
		t.Errorf("Len %d after Reload, want 40", e.Len())
	}

	down := errors.New("vector database down")
	near.fail = down
	if err := e.Reload(t.Context()); !errors.Is(err, down) || e.Len() != 40 {
		t.Errorf("Reload with the database down: %v, Len %d; want the error and the old count kept", err, e.Len())
	}
	for _, mode := range []Mode{ModeHybrid, ModeSemantic} {
		if _, err := e.Search(t.Context(), Request{Text: "graph", Mode: mode}); !errors.Is(err, down) {
			t.Errorf("%s search with the database down: %v, want its error", mode, err)
		}
	}
	if _, err := e.Similar(t.Context(), papers[0].ID, 5, store.Filter{}); !errors.Is(err, down) {
		t.Errorf("similar with the database down: %v, want its error", err)
	}
	_, err := Open(t.Context(), remoteStore{Store: st, t: t}, Options{Query: enc, Model: testModel, Vectors: near})
	if !errors.Is(err, down) {
		t.Errorf("Open with the database down: %v, want its error", err)
	}
	near.fail = nil
	if _, err := e.Similar(t.Context(), "nosuchpaper", 5, store.Filter{}); !errors.Is(err, paper.ErrNotFound) || !strings.Contains(err.Error(), "nosuchpaper") {
		t.Errorf("similar to an unknown paper: %v, want paper.ErrNotFound naming it", err)
	}
}
