package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/paper"
)

// synthVenues are the venues synthetic papers are spread over.
var synthVenues = []paper.Venue{
	{ID: "ICLR.cc/2024/Conference", Label: "ICLR 2024", Year: 2024},
	{ID: "ICLR.cc/2025/Conference", Label: "ICLR 2025", Year: 2025},
	{ID: "NeurIPS.cc/2024/Conference", Label: "NeurIPS 2024", Year: 2024},
	{ID: "ICML.cc/2024/Conference", Label: "ICML 2024", Year: 2024},
	{ID: "TMLR", Label: "TMLR", Year: 2024},
}

// synthCorpus makes n papers shaped like real ones: a 180–230-word abstract
// drawn Zipf-like from a 5000-word vocabulary, 8–12-word titles, 2–8
// authors with ids, 3–6 keywords, a BibTeX entry and URLs (about 2 KB of
// text each). The same seed gives the same papers.
func synthCorpus(n int, seed uint64) []paper.Paper {
	rng := rand.New(rand.NewPCG(seed, 2))
	vocab := make([]string, 5000)
	for i := range vocab {
		vocab[i] = synthWord(rng)
	}
	zipf := rand.NewZipf(rand.New(rand.NewPCG(seed, 3)), 1.1, 2, uint64(len(vocab)-1))
	text := func(k int) string {
		ws := make([]string, k)
		for i := range ws {
			ws[i] = vocab[zipf.Uint64()]
		}
		return strings.Join(ws, " ")
	}
	surnames := vocab[1000:1400]
	papers := make([]paper.Paper, n)
	for i := range papers {
		v := synthVenues[i%len(synthVenues)]
		id := fmt.Sprintf("%010x", rng.Uint64()>>24)
		p := paper.Paper{
			ID: id, Forum: id, Number: i + 1, VenueID: v.ID, Venue: v.Label, VenueRaw: v.Label + " Poster",
			Year: v.Year, APIVersion: 2, Status: paper.Statuses[rng.IntN(len(paper.Statuses))],
			Title: text(8 + rng.IntN(5)), Abstract: text(180 + rng.IntN(51)), PrimaryArea: text(2),
			ForumURL: "https://openreview.net/forum?id=" + id, PDFURL: "https://openreview.net/pdf?id=" + id,
			Created: time.UnixMilli(1.7e12 + int64(i)*1000), Modified: time.UnixMilli(1.71e12 + int64(i)*1000),
		}
		if p.Status == paper.StatusAccepted {
			p.Presentation = paper.PresentationPoster
		}
		for range 2 + rng.IntN(7) {
			name := strings.ToUpper(vocab[rng.IntN(300)][:1]) + vocab[rng.IntN(300)][1:] + " " + surnames[rng.IntN(len(surnames))]
			p.Authors = append(p.Authors, name)
			p.AuthorIDs = append(p.AuthorIDs, "~"+strings.ReplaceAll(name, " ", "_")+"1")
		}
		for range 3 + rng.IntN(4) {
			p.Keywords = append(p.Keywords, text(1+rng.IntN(2)))
		}
		p.BibTeX = fmt.Sprintf("@inproceedings{\n%s%d,\ntitle={%s},\nauthor={%s},\nbooktitle={%s},\nyear={%d},\nurl={%s}\n}",
			strings.ToLower(p.Authors[0][strings.LastIndex(p.Authors[0], " ")+1:]), p.Year, p.Title,
			strings.Join(p.Authors, " and "), v.Label, p.Year, p.ForumURL)
		papers[i] = p
	}
	return papers
}

func synthWord(rng *rand.Rand) string {
	const consonants, vowels = "bcdfghklmnprstvz", "aeiou"
	var b strings.Builder
	for range 1 + rng.IntN(3) {
		b.WriteByte(consonants[rng.IntN(len(consonants))])
		b.WriteByte(vowels[rng.IntN(len(vowels))])
	}
	if rng.IntN(2) == 0 {
		b.WriteByte(consonants[rng.IntN(len(consonants))])
	}
	return b.String()
}

// fill commits papers in crawler-sized batches.
func fill(tb testing.TB, s *Store, papers []paper.Paper) {
	tb.Helper()
	for i := 0; i < len(papers); i += 500 {
		batch := papers[i:min(i+500, len(papers))]
		if err := s.Commit(context.Background(), "synthetic", batch, []byte(batch[len(batch)-1].ID)); err != nil {
			tb.Fatal(err)
		}
	}
}

// diskBytes is the space the database's pages use once the WAL is folded
// back into the main file, leaving out free pages.
func diskBytes(tb testing.TB, path string) int {
	tb.Helper()
	db := rawDB(tb, path)
	if _, err := db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		tb.Fatal(err)
	}
	return (pragmaInt(tb, db, "page_count") - pragmaInt(tb, db, "freelist_count")) * pragmaInt(tb, db, "page_size")
}

// TestBytesPerPaper logs how much disk a paper costs, before and after
// Optimize, and fails if the index takes more than twice the paper's own
// text (it took 1.8 times when written; the FTS index is most of the rest),
// or more than maxBytesPerPaper once each paper has its vector.
func TestBytesPerPaper(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a few thousand papers")
	}
	const n = 3000
	papers := synthCorpus(n, 1)
	textBytes := 0
	for _, p := range papers {
		textBytes += len(p.ID) + len(p.Forum) + len(p.Venue) + len(p.VenueID) + len(p.VenueRaw) +
			len(p.Title) + len(p.Abstract) + len(p.TLDR) + len(p.BibTeX) + len(p.ForumURL) + len(p.PDFURL) + len(p.PrimaryArea) +
			len(strings.Join(p.Authors, "")) + len(strings.Join(p.AuthorIDs, "")) + len(strings.Join(p.Keywords, ""))
	}
	s, path := openTest(t)
	fill(t, s, papers)
	before := float64(diskBytes(t, path)) / n
	if err := s.Optimize(t.Context()); err != nil {
		t.Fatal(err)
	}
	after := float64(diskBytes(t, path)) / n
	text := float64(textBytes) / n
	t.Logf("%d papers with %.0f bytes of text each: %.0f bytes per paper on disk, %.0f after Optimize", n, text, before, after)
	if before > 2*text {
		t.Errorf("%.0f bytes per paper on disk, more than twice the %.0f bytes of text", before, text)
	}
	if after >= before {
		t.Errorf("Optimize did not shrink the index: %.0f bytes per paper before, %.0f after", before, after)
	}

	// With a 768-d float16 vector each, as semantic search stores them,
	// 100k papers must stay under 600 MB.
	synthVectors(t, s, 0)
	if err := s.Optimize(t.Context()); err != nil {
		t.Fatal(err)
	}
	withVectors := float64(diskBytes(t, path)) / n
	t.Logf("with a 1536-byte vector each: %.0f bytes per paper on disk", withVectors)
	if withVectors > maxBytesPerPaper {
		t.Errorf("%.0f bytes per paper with vectors, more than %d", withVectors, maxBytesPerPaper)
	}
}

// maxBytesPerPaper bounds the disk a paper with its vector costs.
const maxBytesPerPaper = 6144

// BenchmarkSearch runs typical searches over 20k synthetic papers.
func BenchmarkSearch(b *testing.B) {
	const n = 20000
	papers := synthCorpus(n, 7)
	path := filepath.Join(b.TempDir(), "index.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	fill(b, s, papers)
	b.Logf("stored %d papers in %v: %.0f bytes per paper", n, time.Since(start).Round(time.Millisecond),
		float64(diskBytes(b, path))/n)

	common, rare := papers[0].Abstract, papers[123].Title
	queries := []struct {
		name string
		q    Query
	}{
		{"one common word", Query{Text: firstWords(common, 1)}},
		{"three words", Query{Text: firstWords(common, 3)}},
		{"title", Query{Text: rare}},
		{"phrase", Query{Text: `"` + firstWords(rare, 2) + `"`}},
		{"words and filters", Query{Text: firstWords(common, 3), Filter: Filter{Venues: []string{"ICLR"}, Statuses: []StatusFilter{{Status: paper.StatusAccepted}}}}},
		{"words and author", Query{Text: firstWords(common, 3), Filter: Filter{Authors: []string{lastWord(papers[5].Authors[0])}}}},
		{"filter only", Query{Filter: Filter{Venues: []string{"NeurIPS 2024"}, Years: []int{2024}}}},
		{"author only", Query{Filter: Filter{Authors: []string{papers[42].Authors[0]}}}},
		{"limit 1000", Query{Text: firstWords(common, 2), Limit: MaxLimit}},
	}
	for _, bq := range queries {
		b.Run(bq.name, func(b *testing.B) {
			b.ReportAllocs()
			hits := 0
			for b.Loop() {
				hs, err := s.Search(context.Background(), bq.q)
				if err != nil {
					b.Fatal(err)
				}
				hits = len(hs)
			}
			b.ReportMetric(float64(hits), "hits")
		})
	}
}

func firstWords(s string, n int) string {
	ws := strings.Fields(s)
	return strings.Join(ws[:min(n, len(ws))], " ")
}

func lastWord(s string) string { return s[strings.LastIndex(s, " ")+1:] }

// synthVectors makes one random 768-d float16 vector (1536 bytes) per paper
// of s, with a model recorded, as an embedded index holds them. Every
// stale-th paper's vector is recorded for an older version of the paper, so
// it is pending again; stale 0 leaves none pending.
func synthVectors(tb testing.TB, s *Store, stale int) {
	tb.Helper()
	ctx := context.Background()
	if err := s.SetEmbeddingModel(ctx, Model{Name: "allenai/specter2_base", Adapter: "allenai/specter2", Dim: 768, Encoding: "f16"}, false); err != nil {
		tb.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for after := int64(0); ; {
		tasks, err := s.PendingEmbeddings(ctx, after, 1000)
		if err != nil {
			tb.Fatal(err)
		}
		if len(tasks) == 0 {
			return
		}
		vs := make([]Vector, len(tasks))
		for i, t := range tasks {
			data := make([]byte, 2*768)
			for j := 0; j < len(data); j += 8 {
				binary.LittleEndian.PutUint64(data[j:], rng.Uint64())
			}
			vs[i] = Vector{PK: t.PK, Modified: t.Modified, TextHash: rng.Uint64(), Data: data}
			if stale > 0 && t.PK%int64(stale) == 0 {
				vs[i].Modified--
			}
		}
		if err := s.SaveVectors(ctx, vs); err != nil {
			tb.Fatal(err)
		}
		after = tasks[len(tasks)-1].PK
	}
}

// vectorIndex builds an index of n synthetic papers with a vector each (see
// synthVectors) in a temporary directory.
func vectorIndex(b *testing.B, n, stale int) *Store {
	b.Helper()
	path := filepath.Join(b.TempDir(), "index.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	start := time.Now()
	fill(b, s, synthCorpus(n, 11))
	synthVectors(b, s, stale)
	b.Logf("stored %d papers with vectors in %v: %.0f bytes per paper", n, time.Since(start).Round(time.Millisecond),
		float64(diskBytes(b, path))/float64(n))
	return s
}

// BenchmarkScanVectors loads 100k vectors of 1536 bytes with their filter
// columns, as search.Open does at startup.
func BenchmarkScanVectors(b *testing.B) {
	const n = 100_000
	s := vectorIndex(b, n, 0)
	b.ReportAllocs()
	b.SetBytes(n * 1536)
	for b.Loop() {
		rows := 0
		if err := s.ScanVectors(context.Background(), func(r VectorRow) error {
			rows++
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		if rows != n {
			b.Fatalf("scanned %d vectors, want %d", rows, n)
		}
	}
}

// BenchmarkPendingEmbeddings finds the papers to re-embed among 100k, one in
// 100 of them stale: counting them, and listing them page by page.
func BenchmarkPendingEmbeddings(b *testing.B) {
	const n, stale = 100_000, 100
	s := vectorIndex(b, n, stale)
	b.Run("count", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if got, err := s.CountPendingEmbeddings(context.Background()); err != nil || got != n/stale {
				b.Fatalf("CountPendingEmbeddings = %d, %v; want %d", got, err, n/stale)
			}
		}
	})
	b.Run("list all", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			total := 0
			for after := int64(0); ; {
				tasks, err := s.PendingEmbeddings(context.Background(), after, 64)
				if err != nil {
					b.Fatal(err)
				}
				if len(tasks) == 0 {
					break
				}
				total += len(tasks)
				after = tasks[len(tasks)-1].PK
			}
			if total != n/stale {
				b.Fatalf("listed %d papers, want %d", total, n/stale)
			}
		}
	})
}
