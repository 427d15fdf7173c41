package chromastore

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/chroma"
	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/search"
	"github.com/openreview-finder/openreview-finder/internal/store"
)

const testDim = 32

// testModel is the fake encoder's model as the SQLite index records it.
var testModel = store.Model{Name: "fake/Base_Model", Adapter: "fake/proximity", Dim: testDim, Encoding: search.Encoding}

// fakeEmbedder is a deterministic encoder: each word of a text adds ±1 to
// the coordinate its hash picks, so texts sharing words are similar, and a
// little noise from the hash of the whole text keeps every vector apart
// (exact ties would make rankings depend on tie-breaking).
type fakeEmbedder struct{ dim int }

func (f fakeEmbedder) Dim() int { return f.dim }

func (f fakeEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		v := make([]float32, f.dim)
		v[0] = 0.1
		for _, w := range store.Words(t) {
			x := hash(w)
			sign := float32(1)
			if x>>32&1 == 1 {
				sign = -1
			}
			v[x%uint64(f.dim)] += sign
		}
		rng := rand.New(rand.NewPCG(hash(t), 3))
		for j := range v {
			v[j] += float32(rng.NormFloat64() * 0.3)
		}
		out[i] = v
	}
	return out, ctx.Err()
}

func hash(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

func paperText(title, abstract string) string { return title + " [SEP] " + abstract }

var (
	testVenues = []paper.Venue{
		{ID: "ICLR.cc/2024/Conference", Label: "ICLR 2024", Year: 2024},
		{ID: "ICLR.cc/2025/Conference", Label: "ICLR 2025", Year: 2025},
		{ID: "NeurIPS.cc/2024/Conference", Label: "NeurIPS 2024", Year: 2024},
		{ID: "TMLR", Label: "TMLR", Year: 0},
		{ID: "Kelvin.org/2023/Workshop", Label: "Kelvin 2023", Year: 2023},
	}
	testTopics = [][]string{
		{"graph", "neural", "network", "message", "passing", "node"},
		{"language", "model", "token", "transformer", "attention", "prompt"},
		{"reinforcement", "policy", "reward", "agent", "exploration", "value"},
		{"diffusion", "image", "denoising", "generative", "sampling", "score"},
		{"privacy", "federated", "client", "differential", "noise", "secure"},
	}
	testAuthors = []string{"Geoffrey E. Hinton", "José Müller", "Yann LeCun", "Jane Doe", "Ada Lovelace",
		"Alan Turing", "Grace Hopper", "Straße Ölmann", "Zoë O'Brien-Smith"}
	testPres = []paper.Presentation{"", paper.PresentationOral, paper.PresentationSpotlight, paper.PresentationPoster}
)

// corpus makes n papers over testVenues on testTopics, with every field of
// a paper set in some of them; the same seed gives the same papers.
func corpus(n int, seed uint64) []paper.Paper {
	rng := rand.New(rand.NewPCG(seed, 1))
	words := func(topic []string, k int) []string {
		out := make([]string, k)
		for i := range out {
			out[i] = topic[rng.IntN(len(topic))]
		}
		return out
	}
	papers := make([]paper.Paper, n)
	for i := range papers {
		v := testVenues[rng.IntN(len(testVenues))]
		topic := testTopics[rng.IntN(len(testTopics))]
		p := paper.Paper{
			ID: fmt.Sprintf("p%05d", i), Number: i + 1, VenueID: v.ID, Venue: v.Label, Year: v.Year, APIVersion: 1 + i%2,
			VenueRaw: v.Label + " " + string(testPres[i%len(testPres)]),
			Status:   paper.Statuses[rng.IntN(len(paper.Statuses))], Presentation: testPres[rng.IntN(len(testPres))],
			Title:    strings.Join(words(topic, 4), " ") + fmt.Sprintf(" n%d", i),
			Abstract: strings.Join(words(topic, 12), " ") + ". " + strings.Join(words(testTopics[rng.IntN(len(testTopics))], 4), " "),
			Keywords: words(topic, rng.IntN(5)),
			Modified: time.UnixMilli(1.7e12 + int64(i)*1000).UTC(),
		}
		p.Forum = p.ID
		if i%3 == 0 {
			p.TLDR, p.PrimaryArea = "In short: "+p.Title, "applications"
			p.ForumURL, p.PDFURL = "https://openreview.net/forum?id="+p.ID, "https://openreview.net/pdf?id="+p.ID
			p.BibTeX = "@inproceedings{" + p.ID + ",\n  title={" + p.Title + "}\n}"
			p.Created, p.Published = p.Modified.Add(-time.Hour), p.Modified.Add(-time.Minute)
		}
		if i%7 == 0 {
			p.Incomplete = true
		}
		for range rng.IntN(4) {
			j := rng.IntN(len(testAuthors))
			p.Authors = append(p.Authors, testAuthors[j])
			p.AuthorIDs = append(p.AuthorIDs, fmt.Sprintf("~Author_%c%d", 'A'+j, j))
		}
		papers[i] = p
	}
	return papers
}

// openSQLite opens a fresh SQLite index holding papers, every one embedded
// by the fake encoder.
func openSQLite(t testing.TB, papers []paper.Paper) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "index.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	commit(t, st, papers...)
	if err := st.SetEmbeddingModel(ctx, testModel, false); err != nil {
		t.Fatal(err)
	}
	embed(t, st)
	return st
}

func commit(t testing.TB, st *store.Store, papers ...paper.Paper) {
	t.Helper()
	for i := 0; i < len(papers); i += 500 {
		if err := st.Commit(context.Background(), "test", papers[i:min(i+500, len(papers))], nil); err != nil {
			t.Fatal(err)
		}
	}
}

func embed(t testing.TB, st *store.Store) {
	t.Helper()
	opts := search.EmbedOptions{Batch: 256, PaperText: paperText}
	if _, err := search.EmbedPapers(context.Background(), st, fakeEmbedder{testDim}, opts); err != nil {
		t.Fatal(err)
	}
}

// newClient is a client of url that does not wait between retries, so a
// dead server fails fast.
func newClient(t testing.TB, url string) *chroma.Client {
	t.Helper()
	c, err := chroma.New(chroma.Config{URL: url, Sleep: func(context.Context, time.Duration) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// vectors reads every vector of st, keyed by paper id.
func vectors(t testing.TB, st search.Store) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := st.ScanVectors(context.Background(), func(r store.VectorRow) error {
		out[r.ID] = append([]byte(nil), r.Data...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func allIDs(papers []paper.Paper) []string {
	out := make([]string, len(papers))
	for i, p := range papers {
		out[i] = p.ID
	}
	return out
}
