package chromastore

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/openreview-finder/openreview-finder/internal/chroma"
	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/search"
	"github.com/openreview-finder/openreview-finder/internal/store"
)

// edgePapers set fields to the values that are easy to lose: empty and
// one-empty-item lists, zero times, separators inside items, non-ASCII.
var edgePapers = []paper.Paper{
	{ID: "e1", Authors: []string{""}, AuthorIDs: []string{""}, Keywords: []string{""}},
	{ID: "e2", Title: "Ünïcödé ﬁne-tuning", Authors: []string{"A\x1fB", "Ω"}, Keywords: []string{"x\x1fy"},
		Created: time.UnixMilli(1), Modified: time.UnixMilli(-5000), Published: time.UnixMilli(1.8e12)},
	{ID: "e3", Venue: "ÉCOLE 2024", VenueID: "École/2024", Year: -1, Number: math.MaxInt32, Incomplete: true},
}

// storedPapers returns papers as the SQLite store reads them back, which
// is what Upload reads.
func storedPapers(t *testing.T, papers []paper.Paper) []paper.Paper {
	t.Helper()
	st := openSQLite(t, nil)
	commit(t, st, papers...)
	got, err := st.Papers(t.Context(), allIDs(papers))
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// asChroma gives metadata the types Chroma's answers decode to.
func asChroma(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		if i, ok := v.(int); ok {
			v = int64(i)
		}
		out[k] = v
	}
	return out
}

func TestMetadataRoundTrip(t *testing.T) {
	want := storedPapers(t, append(corpus(50, 1), edgePapers...))
	var got []paper.Paper
	for i := range want {
		md := metadata(&want[i])
		p, err := decodePaper(want[i].ID, asChroma(md))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, p)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("papers through metadata (-want +got):\n%s", diff)
	}
}

func TestDecodeDamaged(t *testing.T) {
	for _, md := range []map[string]any{
		{keyYear: "2024"},
		{keyTitle: int64(3)},
		{keyIncomplete: "yes"},
		{keyModified: 1.5},
	} {
		if _, err := decodePaper("x", md); err == nil {
			t.Errorf("decodePaper(%v) succeeded, want an error", md)
		}
	}
}

// TestBM25MatchesFTS5 scores documents as Search does, but with the
// document frequencies and average length of the whole corpus (which Search
// approximates), and expects the SQLite store's scores: the documents hold
// the words FTS5 indexes, field by field, and the formula is FTS5's.
func TestBM25MatchesFTS5(t *testing.T) {
	papers := storedPapers(t, append(corpus(300, 2), edgePapers...))
	st := openSQLite(t, papers)
	recs := make([]chroma.Record, len(papers))
	for i := range papers {
		recs[i] = chroma.Record{ID: papers[i].ID, Document: document(&papers[i]), Metadata: asChroma(metadata(&papers[i]))}
	}
	for _, q := range []string{
		"graph", "graph neural", `"message passing" node`, "n12", "Hinton", "jose müller", "Zoë O'Brien-Smith",
		"token attention prompt transformer", "ﬁne tuning", "unicode", "reward-value", `"policy`, "nothing-matches-this",
	} {
		t.Run(q, func(t *testing.T) {
			want, err := st.Search(t.Context(), store.Query{Text: q, Limit: store.MaxLimit})
			if err != nil {
				t.Fatal(err)
			}
			ps := phrases(q)
			var cands []candidate
			df := make([]int, len(ps))
			total := 0
			for _, r := range recs {
				for _, f := range textFields(r.Document) {
					total += len(f)
				}
				c := score(r, ps)
				if c.size < 0 {
					continue
				}
				for i, f := range c.freqs {
					if f > 0 {
						df[i]++
					}
				}
				cands = append(cands, c)
			}
			var got []store.Hit
			if len(cands) > 0 {
				got, err = hits(cands, bm25(cands, df, len(recs), float64(total)/float64(len(recs))), store.MaxLimit)
				if err != nil {
					t.Fatal(err)
				}
			}
			approx := cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(a)) })
			if diff := cmp.Diff(scores(want), scores(got), approx); diff != "" {
				t.Errorf("scores by id (-fts5 +go):\n%s", diff)
			}
		})
	}
}

func scores(hs []store.Hit) map[string]float64 {
	out := map[string]float64{}
	for _, h := range hs {
		out[h.Paper.ID] = h.Score
	}
	return out
}

func TestPhrases(t *testing.T) {
	tests := []struct {
		in   string
		want [][]string
	}{
		{"graph neural", [][]string{{"graph"}, {"neural"}}},
		{"self-supervised Graph", [][]string{{"self", "supervised"}, {"graph"}}},
		{`"message passing" graph graph`, [][]string{{"message", "passing"}, {"graph"}}},
		{`a "b c`, [][]string{{"a"}, {"b", "c"}}},
		{"-- !!", nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, phrases(tt.in)); diff != "" {
			t.Errorf("phrases(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestDocumentFields(t *testing.T) {
	p := paper.Paper{Title: "Graph Nets", Abstract: "We | study", Keywords: []string{"GNN", "Message-Passing"},
		Authors: []string{"José Müller"}, AuthorIDs: []string{"~José_Müller1", "JM@x.org"}}
	doc := document(&p)
	want := [4][]string{{"graph", "nets"}, {"we", "study"}, {"gnn", "message", "passing"}, {"jose", "muller"}}
	if diff := cmp.Diff(want, textFields(doc)); diff != "" {
		t.Errorf("textFields (-want +got):\n%s", diff)
	}
	for _, sub := range []string{"\x1cjose\x1cmuller\x1c", "\x1amessage\x1apassing\x1a", "\x1f~josé_müller1\x1fjm@x.org\x1f"} {
		if !bytes.Contains([]byte(doc), []byte(sub)) {
			t.Errorf("document %q lacks %q", doc, sub)
		}
	}
}

func TestEncodeVector(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for range 200 {
		v := make([]float32, 768)
		for j := range v {
			v[j] = float32(rng.NormFloat64())
		}
		blob := search.EncodeF16(v)
		f32, err := decodeVector(store.Model{Dim: 768, Encoding: search.Encoding}, blob)
		if err != nil {
			t.Fatal(err)
		}
		if got := encodeVector(f32); !bytes.Equal(got, blob) {
			t.Fatalf("a unit vector through float32 came back changed")
		}
		// A vector someone else wrote, not of unit length, is normalised.
		for j := range v {
			v[j] *= 3
		}
		if got, want := encodeVector(v), search.EncodeF16(v); !bytes.Equal(got, want) {
			t.Fatalf("a vector of length 3 was not normalised")
		}
	}
	if _, err := decodeVector(store.Model{Dim: 4, Encoding: "f32"}, make([]byte, 16)); err == nil {
		t.Error("decodeVector of an f32 index succeeded, want an error")
	}
	if _, err := decodeVector(store.Model{Dim: 4, Encoding: search.Encoding}, make([]byte, 6)); err == nil {
		t.Error("decodeVector of a short blob succeeded, want an error")
	}
}

func TestCollectionName(t *testing.T) {
	tests := []struct {
		m    store.Model
		want string
	}{
		{store.Model{Name: "allenai/specter2_base", Dim: 768}, "orf-papers-allenai-specter2-base-768"},
		{store.Model{Name: "/home/me/Models/SPECTER 2/", Dim: 16}, "orf-papers-home-me-models-specter-2-16"},
		{store.Model{Name: "模型", Dim: 8}, "orf-papers-model-8"},
	}
	for _, tt := range tests {
		if got := CollectionName(tt.m); got != tt.want {
			t.Errorf("CollectionName(%q) = %q, want %q", tt.m.Name, got, tt.want)
		}
	}
}

// TestFoldFiltersMatchStore evaluates the author and keyword filters'
// document conditions, and the folded metadata, as substring tests in Go
// (what Chroma's $contains does) and expects the papers the SQLite store's
// FilterIDs selects.
func TestFoldFiltersMatchStore(t *testing.T) {
	papers := storedPapers(t, append(corpus(200, 5), edgePapers...))
	st := openSQLite(t, papers)
	for _, f := range []store.Filter{
		{Authors: []string{"hinton"}}, {Authors: []string{"e hinton"}}, {Authors: []string{"hint"}},
		{Authors: []string{"JOSE müller"}}, {Authors: []string{"~author_c2"}}, {Authors: []string{"strasse olmann"}},
		{Authors: []string{"a b"}}, {Authors: []string{"---"}}, {Authors: []string{"Ω"}}, {Authors: []string{"lecun", "jane"}},
		{Keywords: []string{"graph"}}, {Keywords: []string{"x y"}}, {Keywords: []string{"Graph", "node"}},
	} {
		want, err := st.FilterIDs(t.Context(), f)
		if err != nil {
			t.Fatal(err)
		}
		flt, err := newFilter(f)
		if err != nil {
			t.Fatal(err)
		}
		var byDoc, byMeta []string
		for i := range papers {
			p := &papers[i]
			if !flt.none && holds(flt.whereDocument(), document(p)) {
				byDoc = append(byDoc, p.ID)
			}
			if metaMatches(metadata(p), f) {
				byMeta = append(byMeta, p.ID)
			}
		}
		if diff := cmp.Diff(want, byDoc, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%+v by document (-store +got):\n%s", f, diff)
		}
		if diff := cmp.Diff(want, byMeta, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%+v by folded metadata (-store +got):\n%s", f, diff)
		}
	}
}

// holds evaluates a where_document clause of $contains, $and and $or.
func holds(cond map[string]any, doc string) bool {
	for op, v := range cond {
		switch op {
		case "$contains":
			return strings.Contains(doc, v.(string))
		case "$and", "$or":
			for _, c := range v.([]any) {
				if holds(c.(map[string]any), doc) != (op == "$and") {
					return op == "$or"
				}
			}
			return op == "$and"
		}
	}
	return true // no conditions
}

// metaMatches applies the store's SQL conditions to the folded metadata.
func metaMatches(md map[string]any, f store.Filter) bool {
	ids, _ := md[keyAuthorIDs].(string)
	_, hasIDs := md[keyAuthorIDs]
	for _, a := range f.Authors {
		folded, id := store.Fold(a), strings.TrimSpace(a)
		byName := folded != "" && strings.Contains(md[keyAuthorsFold].(string), " "+folded+" ")
		byID := hasIDs && !strings.Contains(id, listSep) &&
			strings.Contains(asciiLower(listSep+ids+listSep), listSep+asciiLower(id)+listSep)
		if !byName && !byID {
			return false
		}
	}
	for _, k := range f.Keywords {
		if !strings.Contains(md[keyKeywordsFold].(string), " "+store.Fold(k)+" ") {
			return false
		}
	}
	return true
}
