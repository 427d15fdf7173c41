package search_test

// The ranking golden test runs judged queries over a committed corpus in
// every mode and keeps recall@10 and reciprocal rank per query in
// testdata/ranking/golden.txt (zoekt's practice), so a change to ranking
// shows up as a diff of that file.
//
// The semantic space is synthetic. No SPECTER2 weights are available to
// tests, so a paper's vector is its topic mixture over fixed random topic
// directions plus noise of its own, and a query's vector follows the recipe
// stored with it (topics, papers it should land near, noise). What this test
// measures is therefore our code — the fusion, the filters, the scan and the
// ranking built on top of the store — on a space with known structure, not
// the quality of SPECTER2's embeddings. The keyword leg is real: the store's
// FTS5 BM25 over the corpus text.
//
// The corpus and queries come from scripts/fixtures/gen_ranking.

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/search"
	"github.com/openreview-finder/openreview-finder/internal/store"
)

// The -update flag may already be registered by the package's internal
// tests, which share this test binary; defining it twice would panic, so
// it is registered here only when missing and read by name.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files in testdata")
	}
}

func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

const (
	rankingDir = "testdata/ranking"
	rankingK   = 10 // results judged per query
	rankingDim = 64
	// clusterWeight is how much topics of one cluster share: their
	// directions meet at a cosine of about 0.26, as related fields sit
	// nearer each other than unrelated ones.
	clusterWeight = 0.6
	// paperNoise is each paper's own component, relative to its unit topic
	// direction: a paper meets its topic's direction at a cosine of about
	// 0.45, and another paper of its topic at about 0.2, so a topic's
	// papers overlap their neighbours' as real fields do.
	paperNoise = 2.0
)

// rankingModel is what the synthetic vectors are recorded as.
var rankingModel = store.Model{Name: "synthetic/topic-mixtures", Dim: rankingDim, Encoding: search.Encoding}

var rankingModes = []search.Mode{search.ModeKeyword, search.ModeSemantic, search.ModeHybrid}

// The files' shapes, as gen_ranking writes them. JSON keys match Go
// field names ignoring case, so filters decode straight into store.Filter.
type (
	rkTopic  struct{ Key, Name, Cluster string }
	rkWeight struct {
		Topic, ID string // a topic key, or a paper id in a query's recipe
		Weight    float64
	}
	rkPaper struct {
		paper.Paper
		VenueID string `json:"venue_id"`
		Topics  []rkWeight
	}
	rkQuery struct {
		ID, Kind, Text string
		Filter         *store.Filter
		Vector         struct {
			Topics, Papers []rkWeight
			Noise          float64
		}
		Relevant []string
	}
)

func readJSONL[T any](t *testing.T, name string) []T {
	t.Helper()
	f, err := os.Open(filepath.Join(rankingDir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields() // the generator and this test must agree
	var out []T
	for {
		var v T
		if err := dec.Decode(&v); errors.Is(err, io.EOF) {
			return out
		} else if err != nil {
			t.Fatalf("%s record %d: %v", name, len(out)+1, err)
		}
		out = append(out, v)
	}
}

// space derives the synthetic vectors. Every number comes from a label
// ("topic:gnn", "paper:<id>", "query:<text>") through splitmix64, so the
// vectors are the same on every machine and Go release.
type space struct {
	topics map[string][]float64 // unit direction per topic key
	papers map[string][]float64 // unit vector per paper id
}

func newSpace(topics []rkTopic, papers []rkPaper) (*space, error) {
	s := &space{topics: map[string][]float64{}, papers: map[string][]float64{}}
	for _, t := range topics {
		v := noise("topic:" + t.Key)
		axpy(clusterWeight, noise("cluster:"+t.Cluster), v)
		s.topics[t.Key] = unit(v)
	}
	for _, p := range papers {
		mix := make([]float64, rankingDim)
		if err := s.add(mix, p.Topics); err != nil {
			return nil, fmt.Errorf("paper %s: %w", p.ID, err)
		}
		v := unit(mix)
		axpy(paperNoise, unit(noise("paper:"+p.ID)), v)
		s.papers[p.ID] = unit(v)
	}
	return s, nil
}

// query builds a query's vector from its recipe. The noise is keyed by the
// text, so queries sharing a text share a vector, as an encoder gives them.
func (s *space) query(q rkQuery) ([]float32, error) {
	v := make([]float64, rankingDim)
	if err := s.add(v, append(q.Vector.Topics, q.Vector.Papers...)); err != nil {
		return nil, fmt.Errorf("query %s: %w", q.ID, err)
	}
	axpy(q.Vector.Noise, unit(noise("query:"+q.Text)), v)
	return float32s(v), nil
}

// add adds the weighted topic directions and paper vectors ws to v.
func (s *space) add(v []float64, ws []rkWeight) error {
	for _, w := range ws {
		d, ok := s.topics[w.Topic]
		if w.ID != "" {
			d, ok = s.papers[w.ID]
		}
		if !ok {
			return fmt.Errorf("unknown topic %q or paper %q", w.Topic, w.ID)
		}
		axpy(w.Weight, d, v)
	}
	return nil
}

// noise returns rankingDim pseudo-normal numbers determined by label:
// each the centred sum of four uniforms from splitmix64 seeded with the
// label's FNV-1a hash. Only additions, so no libm result can differ.
func noise(label string) []float64 {
	h := fnv.New64a()
	h.Write([]byte(label))
	x := h.Sum64()
	next := func() float64 {
		x += 0x9e3779b97f4a7c15
		z := x
		z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
		z = (z ^ z>>27) * 0x94d049bb133111eb
		return float64((z^z>>31)>>11) / (1 << 53)
	}
	v := make([]float64, rankingDim)
	for i := range v {
		v[i] = next() + next() + next() + next() - 2
	}
	return v
}

// The explicit float64 conversions below forbid fused multiply-adds, which
// the Go spec otherwise allows on some architectures, so every machine
// computes the same bits.

func axpy(a float64, x, y []float64) {
	for i := range x {
		y[i] += float64(a * x[i])
	}
}

func unit(v []float64) []float64 {
	var n float64
	for _, x := range v {
		n += float64(x * x)
	}
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = x / math.Sqrt(n)
	}
	return out
}

func float32s(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// textEmbedder is the fake query encoder: each judged query's text maps to
// its synthetic vector; any other text is an error, so a search that embeds
// something unexpected fails loudly.
type textEmbedder map[string][]float32

func (e textEmbedder) Dim() int { return rankingDim }

func (e textEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		v, ok := e[t]
		if !ok {
			return nil, fmt.Errorf("no synthetic vector for %q", t)
		}
		out[i] = slices.Clone(v)
	}
	return out, nil
}

// rankingRun is every judged query's results and scores in every mode.
type rankingRun struct {
	papers  []paper.Paper
	queries []rkQuery
	results map[string]map[search.Mode][]search.Result // query id → mode → results
	scores  map[string]map[search.Mode]rkScore
}

// runRanking runs every query in every mode at rankingK over an engine on
// the corpus, and scores the results.
func runRanking(t *testing.T) *rankingRun {
	t.Helper()
	run := &rankingRun{queries: readJSONL[rkQuery](t, "queries.jsonl"),
		results: map[string]map[search.Mode][]search.Result{}, scores: map[string]map[search.Mode]rkScore{}}
	eng := openRankingEngine(t, run)
	for _, q := range run.queries {
		run.results[q.ID] = map[search.Mode][]search.Result{}
		run.scores[q.ID] = map[search.Mode]rkScore{}
		for _, m := range rankingModes {
			req := search.Request{Text: q.Text, Mode: m, Limit: rankingK}
			if q.Filter != nil {
				req.Filter = *q.Filter
			}
			resp, err := eng.Search(t.Context(), req)
			if err != nil {
				t.Fatalf("query %s, %s: %v", q.ID, m, err)
			}
			// A hybrid search that fell back to keyword would make the
			// comparison meaningless.
			if resp.Mode != m || resp.Notice != "" {
				t.Fatalf("query %s asked for %s, got mode %s (notice %q)", q.ID, m, resp.Mode, resp.Notice)
			}
			run.results[q.ID][m] = resp.Results
			run.scores[q.ID][m] = score(resp.Results, q.Relevant)
		}
	}
	return run
}

// openRankingEngine builds a real store from the corpus, gives every paper
// its synthetic vector as the indexer would (search.EncodeF16), and opens
// an engine whose query encoder knows the vector of each query's text.
func openRankingEngine(t *testing.T, run *rankingRun) *search.Engine {
	t.Helper()
	ctx := t.Context()
	corpus := readJSONL[rkPaper](t, "corpus.jsonl")
	sp, err := newSpace(readJSONL[rkTopic](t, "topics.jsonl"), corpus)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "index.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, p := range corpus {
		p.Paper.VenueID, p.Forum, p.APIVersion = p.VenueID, p.ID, 2
		run.papers = append(run.papers, p.Paper)
	}
	if err := st.Commit(ctx, "ranking", run.papers, nil); err != nil {
		t.Fatal(err)
	}
	saveSyntheticVectors(t, st, sp)
	enc := textEmbedder{}
	for _, q := range run.queries {
		v, err := sp.query(q)
		if err != nil {
			t.Fatal(err)
		}
		if old, ok := enc[q.Text]; ok && !slices.Equal(old, v) {
			t.Fatalf("query %s: text %q has another vector recipe than an earlier query's", q.ID, q.Text)
		}
		enc[q.Text] = v
	}
	eng, err := search.Open(ctx, st, search.Options{Query: enc, Model: rankingModel})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Semantic(); err != nil {
		t.Fatalf("semantic search is off: %v", err)
	}
	return eng
}

// saveSyntheticVectors records the synthetic model and stores every
// paper's vector, a page of pending papers at a time.
func saveSyntheticVectors(t *testing.T, st *store.Store, sp *space) {
	t.Helper()
	ctx := t.Context()
	if err := st.SetEmbeddingModel(ctx, rankingModel, false); err != nil {
		t.Fatal(err)
	}
	for after := int64(0); ; {
		tasks, err := st.PendingEmbeddings(ctx, after, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(tasks) == 0 {
			break
		}
		vs := make([]store.Vector, len(tasks))
		for i, task := range tasks {
			vs[i] = store.Vector{PK: task.PK, Modified: task.Modified, Data: search.EncodeF16(float32s(sp.papers[task.ID]))}
		}
		if err := st.SaveVectors(ctx, vs); err != nil {
			t.Fatal(err)
		}
		after = tasks[len(tasks)-1].PK
	}
	if n, err := st.VectorCount(ctx); err != nil || n != len(sp.papers) {
		t.Fatalf("VectorCount = %d, %v; want %d", n, err, len(sp.papers))
	}
}

// rkScore is one query's judgment in one mode.
type rkScore struct {
	recall float64 // relevant papers in the top k / min(k, relevant papers)
	rr     float64 // 1 / rank of the first relevant paper, 0 when none is in the top k
}

// score judges results against the relevant ids. Recall is over
// min(k, relevant) so that a perfect ranking scores 1 even when more than
// k papers are relevant, as for a whole topic.
func score(results []search.Result, relevant []string) rkScore {
	var s rkScore
	hits := 0
	for i, r := range results[:min(rankingK, len(results))] {
		if slices.Contains(relevant, r.Paper.ID) {
			hits++
			if s.rr == 0 {
				s.rr = 1 / float64(i+1)
			}
		}
	}
	s.recall = float64(hits) / float64(min(rankingK, len(relevant)))
	return s
}

// mean averages mode m's scores over the queries of one kind ("": all),
// and counts them.
func (r *rankingRun) mean(m search.Mode, kind string) (rkScore, int) {
	var sum rkScore
	n := 0
	for _, q := range r.queries {
		if kind == "" || q.Kind == kind {
			sum.recall += r.scores[q.ID][m].recall
			sum.rr += r.scores[q.ID][m].rr
			n++
		}
	}
	return rkScore{sum.recall / float64(n), sum.rr / float64(n)}, n
}

// table formats the scores as the golden file holds them: one row per
// query, then the means per kind and over all queries.
func (r *rankingRun) table() string {
	var b strings.Builder
	b.WriteString(`# Ranking golden file: the judged queries of queries.jsonl over corpus.jsonl,
# in each mode, k = 10. The semantic space is synthetic (see ranking_test.go).
# R: recall@10, relevant papers in the top 10 / min(10, relevant papers).
# RR: reciprocal rank of the first relevant paper, 0 when none is in the top 10.
# Rewrite with: go test ./internal/search -run TestRanking -update
#
`)
	// Each mode takes 15 columns: "   R.RRR  M.MMM".
	head := fmt.Sprintf("%-26s %4s", "#", "")
	for _, m := range rankingModes {
		head += fmt.Sprintf("   %-12s", m)
	}
	fmt.Fprintf(&b, "%s\n%-26s %4s", strings.TrimRight(head, " "), "# query", "rel")
	for range rankingModes {
		fmt.Fprintf(&b, "   %-5s  %5s", "R", "RR")
	}
	row := func(name, rel string, get func(search.Mode) rkScore) {
		fmt.Fprintf(&b, "\n%-26s %4s", name, rel)
		for _, m := range rankingModes {
			s := get(m)
			fmt.Fprintf(&b, "   %.3f  %.3f", s.recall, s.rr)
		}
	}
	var kinds []string
	for _, q := range r.queries {
		row(q.ID, fmt.Sprint(len(q.Relevant)), func(m search.Mode) rkScore { return r.scores[q.ID][m] })
		if !slices.Contains(kinds, q.Kind) {
			kinds = append(kinds, q.Kind)
		}
	}
	b.WriteString("\n")
	for _, kind := range append(kinds, "") {
		_, n := r.mean(search.ModeHybrid, kind)
		label := kind
		if label == "" {
			label = "all"
		}
		row(fmt.Sprintf("mean %s (%d)", label, n), "", func(m search.Mode) rkScore { s, _ := r.mean(m, kind); return s })
	}
	return b.String() + "\n"
}

func TestRanking(t *testing.T) {
	run := runRanking(t)
	t.Run("golden", func(t *testing.T) { checkGolden(t, run) })
	t.Run("exact title in hybrid top 3", func(t *testing.T) { checkTitles(t, run) })
	t.Run("filters are exact", func(t *testing.T) {
		n := 0
		for _, q := range run.queries {
			if q.Filter != nil {
				n++
				checkFiltered(t, run, q)
			}
		}
		if n == 0 {
			t.Fatal("no filtered queries")
		}
	})
	t.Run("hybrid MRR near the best leg", func(t *testing.T) { checkFusion(t, run) })
	// Paraphrases share no content word with the relevant papers: only
	// the meaning of the query can find them.
	t.Run("semantic wins on paraphrases", func(t *testing.T) {
		kw, n := run.mean(search.ModeKeyword, "paraphrase")
		sem, _ := run.mean(search.ModeSemantic, "paraphrase")
		if n == 0 {
			t.Fatal("no paraphrase queries")
		}
		if sem.recall <= kw.recall {
			t.Errorf("paraphrase recall@%d: semantic %.3f <= keyword %.3f", rankingK, sem.recall, kw.recall)
		}
	})
}

// checkGolden compares the scores with testdata/ranking/golden.txt, or
// rewrites it under -update.
func checkGolden(t *testing.T, run *rankingRun) {
	path := filepath.Join(rankingDir, "golden.txt")
	got := run.table()
	if updating() {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	// Lines compared whole: a changed score shows as its query's row.
	lines := cmp.Comparer(func(a, b string) bool { return a == b })
	if diff := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(got, "\n"), lines); diff != "" {
		t.Errorf("ranking changed (-want +got); if intended, rerun with -update and commit the new golden file:\n%s", diff)
	}
}

// checkTitles wants every exact-title query's paper in hybrid's top 3. A
// user who pastes a title wants that paper; fusion with a semantic leg that
// ranks it lower must not push it far down.
func checkTitles(t *testing.T, run *rankingRun) {
	n := 0
	for _, q := range run.queries {
		if q.Kind == "title" {
			n++
			res := run.results[q.ID][search.ModeHybrid]
			if top := ids(res[:min(3, len(res))]); !slices.Contains(top, q.Relevant[0]) {
				t.Errorf("%s %q: hybrid top 3 = %v, want %s among them", q.ID, q.Text, top, q.Relevant[0])
			}
		}
	}
	if n == 0 {
		t.Fatal("no title queries")
	}
}

// checkFusion wants hybrid's mean MRR within 0.05 of the better leg's.
// Fusion gains where the legs agree and loses some where one leg is right
// alone (a paraphrase, a coined name), since RRF then dilutes that leg's
// ranking with the other's. 0.05 of mean MRR over 41 queries is about four
// queries dropping from rank 1 to rank 2: room for such trade-offs, not for
// a broken fusion, which falls far below the better leg.
func checkFusion(t *testing.T, run *rankingRun) {
	kw, _ := run.mean(search.ModeKeyword, "")
	sem, _ := run.mean(search.ModeSemantic, "")
	hy, _ := run.mean(search.ModeHybrid, "")
	if floor := max(kw.rr, sem.rr) - 0.05; hy.rr < floor {
		t.Errorf("hybrid mean MRR %.3f < %.3f (keyword %.3f, semantic %.3f, less 0.05)", hy.rr, floor, kw.rr, sem.rr)
	}
}

// checkFiltered checks q's results in every mode against the filter, on
// the fields of the papers returned, and that semantic search, which ranks
// every vector passing the filter, returns min(k, passing) papers.
func checkFiltered(t *testing.T, run *rankingRun, q rkQuery) {
	t.Helper()
	passing := 0
	for _, p := range run.papers {
		if passes(*q.Filter, p) {
			passing++
		}
	}
	for _, m := range rankingModes {
		res := run.results[q.ID][m]
		for _, r := range res {
			if p := r.Paper; !passes(*q.Filter, p) {
				t.Errorf("%s, %s: %s (%s %d %s/%s, authors %q, keywords %q) does not pass the filter",
					q.ID, m, p.ID, p.Venue, p.Year, p.Status, p.Presentation, p.Authors, p.Keywords)
			}
		}
		if m == search.ModeSemantic && len(res) != min(rankingK, passing) {
			t.Errorf("%s, semantic: %d results, want %d (%d papers pass the filter)", q.ID, len(res), min(rankingK, passing), passing)
		}
	}
}

// passes tells whether p passes f, read off p's fields with the semantics
// store.Filter documents: alternatives within a field, every field
// required; venues by id, label or series ignoring case; authors and
// keywords as whole-word sequences of one folded name or keyword.
func passes(f store.Filter, p paper.Paper) bool {
	series, _, _ := strings.Cut(p.Venue, " ")
	venue := func(v string) bool {
		return strings.EqualFold(v, p.VenueID) || strings.EqualFold(v, p.Venue) || strings.EqualFold(v, series)
	}
	status := func(s store.StatusFilter) bool {
		return (s.Status == "" || s.Status == p.Status) && (s.Presentation == "" || s.Presentation == p.Presentation)
	}
	for _, a := range f.Authors {
		if !hasWords(p.Authors, a) {
			return false
		}
	}
	for _, k := range f.Keywords {
		if !hasWords(p.Keywords, k) {
			return false
		}
	}
	return (len(f.Venues) == 0 || slices.ContainsFunc(f.Venues, venue)) &&
		(len(f.Years) == 0 || slices.Contains(f.Years, p.Year)) &&
		(len(f.Statuses) == 0 || slices.ContainsFunc(f.Statuses, status))
}

func hasWords(xs []string, want string) bool {
	w := " " + store.Fold(want) + " "
	return slices.ContainsFunc(xs, func(x string) bool { return strings.Contains(" "+store.Fold(x)+" ", w) })
}

func ids(rs []search.Result) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Paper.ID
	}
	return out
}
