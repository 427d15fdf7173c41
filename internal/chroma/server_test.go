package chroma_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/openreview-finder/openreview-finder/internal/chroma"
	"github.com/openreview-finder/openreview-finder/internal/chroma/chromatest"
)

// These tests run against a real Chroma server (see chromatest); they skip
// when none is installed and under -short.

const dim = 8

// paper is one test record; the fields become metadata.
type paper struct {
	id    string
	venue string
	year  int64
	score float64
	oral  bool
	doc   string
	emb   []float32
}

var venues = []string{"ICLR", "NeurIPS", "ICML"}

// papers makes n records from seed, with ids starting at first.
func papers(seed uint64, first, n int) []paper {
	rng := rand.New(rand.NewPCG(seed, 7))
	ps := make([]paper, n)
	for i := range ps {
		k := first + i
		e := make([]float32, dim)
		for j := range e {
			e[j] = float32(rng.NormFloat64())
		}
		topic := "graph neural networks"
		if k%3 == 0 {
			topic = "diffusion models"
		}
		ps[i] = paper{
			id: fmt.Sprintf("p%03d", k), venue: venues[k%len(venues)], year: int64(2020 + k%6),
			score: float64(k%10) / 2, oral: k%4 == 0,
			doc: fmt.Sprintf("Paper %d studies %s.", k, topic), emb: e,
		}
	}
	return ps
}

func (p paper) metadata() map[string]any {
	return map[string]any{"venue": p.venue, "year": p.year, "score": p.score, "oral": p.oral}
}

func records(ps []paper) chroma.Records {
	var r chroma.Records
	for _, p := range ps {
		r.IDs = append(r.IDs, p.id)
		r.Embeddings = append(r.Embeddings, p.emb)
		r.Metadatas = append(r.Metadatas, p.metadata())
		r.Documents = append(r.Documents, p.doc)
	}
	return r
}

// newClient is a client of srv whose retries give up at once, so failures
// show quickly.
func newClient(t *testing.T, url, token string) *chroma.Client {
	t.Helper()
	c, err := chroma.New(chroma.Config{URL: url, Token: token, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestServer(t *testing.T) {
	srv := chromatest.Start(t)
	c := newClient(t, srv.URL(), "")
	ctx := t.Context()

	if v, err := c.Version(ctx); err != nil || v != "1.0.0" {
		t.Fatalf("Version = %q, %v; want 1.0.0 (the server scripts/chroma installs)", v, err)
	}
	pf, err := c.PreFlight(ctx)
	if err != nil || !pf.SupportsBase64 || pf.MaxBatchSize < 100 {
		t.Fatalf("PreFlight = %+v, %v; want base64 and a batch size of at least 100", pf, err)
	}
	col := openCollection(t, c)
	all := append(papers(1, 0, 30), papers(2, 30, 30)...)
	// Two batches, as an ingest would send them.
	for _, batch := range [][]paper{all[:30], all[30:]} {
		if err := col.Upsert(ctx, records(batch)); err != nil {
			t.Fatal(err)
		}
	}
	wantCount(t, col, len(all))

	t.Run("embeddings round-trip", func(t *testing.T) { testRoundTrip(t, col, all) })
	t.Run("query", func(t *testing.T) { testQuery(t, col, all) })
	t.Run("get pages", func(t *testing.T) { testPages(t, col, all) })
	t.Run("errors", func(t *testing.T) { testErrors(t, c, col) })
	t.Run("overwrite and delete", func(t *testing.T) { testOverwriteDelete(t, col, all) })
	t.Run("tenant and database", func(t *testing.T) { testDatabase(t, srv.URL()) })
	t.Run("delete collection", func(t *testing.T) { testDeleteCollection(t, c) })
}

func openCollection(t *testing.T, c *chroma.Client) *chroma.Collection {
	t.Helper()
	ctx := t.Context()
	if _, err := c.Collection(ctx, "papers", nil, false); !errors.Is(err, chroma.ErrNotFound) {
		t.Fatalf("opening a missing collection: error %v, want ErrNotFound", err)
	}
	md := map[string]any{"model": "specter2", "dim": dim}
	col, err := c.Collection(ctx, "papers", md, true)
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.Collection(ctx, "papers", map[string]any{"model": "other"}, true)
	if err != nil {
		t.Fatal(err)
	}
	opened, err := c.Collection(ctx, "papers", nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if again.ID() != col.ID() || opened.ID() != col.ID() {
		t.Errorf("ids %s, %s, %s: get-or-create and open made or found another collection", col.ID(), again.ID(), opened.ID())
	}
	want := map[string]any{"model": "specter2", "dim": int64(dim), "hnsw:space": "cosine"}
	if diff := cmp.Diff(want, opened.Metadata()); diff != "" {
		t.Errorf("metadata (-want +got):\n%s", diff)
	}
	return col
}

func wantCount(t *testing.T, col *chroma.Collection, want int) {
	t.Helper()
	if n, err := col.Count(t.Context()); err != nil || n != want {
		t.Errorf("Count = %d, %v; want %d", n, err, want)
	}
}

// testRoundTrip reads records back. Metadata and documents come back
// exactly; embeddings within one float32 ulp, because a cosine collection
// normalises what it stores and scales it back on the way out (an l2
// collection returns the same bits; see TestBase64Exact for the encoding).
func testRoundTrip(t *testing.T, col *chroma.Collection, all []paper) {
	ids := []string{all[0].id, all[31].id, all[59].id}
	recs, err := col.Get(t.Context(), chroma.GetRequest{IDs: ids,
		Include: []chroma.Include{chroma.IncludeEmbeddings, chroma.IncludeMetadatas, chroma.IncludeDocuments}})
	if err != nil {
		t.Fatal(err)
	}
	var want []chroma.Record
	for _, p := range []paper{all[0], all[31], all[59]} {
		want = append(want, chroma.Record{ID: p.id, Embedding: p.emb, Metadata: p.metadata(), Document: p.doc})
	}
	byID := func(a, b chroma.Record) int { return strings.Compare(a.ID, b.ID) }
	slices.SortFunc(recs, byID)
	if diff := cmp.Diff(want, recs, cmp.Comparer(withinULP)); diff != "" {
		t.Errorf("records read back (-want +got):\n%s", diff)
	}
}

// withinULP says a and b are the same float32 or neighbours.
func withinULP(a, b float32) bool {
	d := int64(int32(math.Float32bits(a))) - int64(int32(math.Float32bits(b)))
	return d >= -1 && d <= 1 && (a < 0) == (b < 0)
}

func testQuery(t *testing.T, col *chroma.Collection, all []paper) {
	ctx := t.Context()
	target := all[17]
	ms, err := col.Query(ctx, chroma.QueryRequest{Embedding: target.emb, NResults: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 5 || ms[0].ID != target.id || math.Abs(ms[0].Distance) > 1e-5 {
		t.Fatalf("nearest to %s: %+v; want it first at cosine distance 0", target.id, ms)
	}
	if ms[0].Document != target.doc || ms[0].Metadata["year"] != target.year {
		t.Errorf("first match document %q metadata %v, want %q and year %d", ms[0].Document, ms[0].Metadata, target.doc, target.year)
	}
	if !slices.IsSortedFunc(ms, func(a, b chroma.Match) int { return cmpFloat(a.Distance, b.Distance) }) {
		t.Errorf("matches not nearest first: %+v", ms)
	}

	tests := []struct {
		name     string
		where    map[string]any
		whereDoc map[string]any
		keep     func(paper) bool
	}{
		{name: "eq shorthand", where: map[string]any{"venue": "ICLR"}, keep: func(p paper) bool { return p.venue == "ICLR" }},
		{name: "and in gte", where: map[string]any{"$and": []any{
			map[string]any{"venue": map[string]any{"$in": []string{"ICLR", "ICML"}}},
			map[string]any{"year": map[string]any{"$gte": 2023}},
		}}, keep: func(p paper) bool { return p.venue != "NeurIPS" && p.year >= 2023 }},
		{name: "or eq float bool", where: map[string]any{"$or": []any{
			map[string]any{"score": map[string]any{"$eq": 4.5}},
			map[string]any{"oral": true},
		}}, keep: func(p paper) bool { return p.score == 4.5 || p.oral }},
		{name: "document contains", whereDoc: map[string]any{"$contains": "diffusion"},
			keep: func(p paper) bool { return strings.Contains(p.doc, "diffusion") }},
		{name: "both", where: map[string]any{"year": map[string]any{"$lt": 2022}}, whereDoc: map[string]any{"$contains": "graph"},
			keep: func(p paper) bool { return p.year < 2022 && strings.Contains(p.doc, "graph") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []string
			for _, p := range all {
				if tt.keep(p) {
					want = append(want, p.id)
				}
			}
			// Asking for more than can match returns every match.
			ms, err := col.Query(ctx, chroma.QueryRequest{Embedding: target.emb, NResults: len(all), Where: tt.where, WhereDocument: tt.whereDoc,
				Include: []chroma.Include{}})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range ms {
				got = append(got, m.ID)
			}
			slices.Sort(got)
			if len(want) == 0 || len(want) == len(all) {
				t.Fatalf("filter keeps %d of %d records; the test data cannot tell it works", len(want), len(all))
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("matching ids (-want +got):\n%s", diff)
			}
		})
	}
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// testPages reads the ICLR records in pages and checks that the pages
// partition them.
func testPages(t *testing.T, col *chroma.Collection, all []paper) {
	var want []string
	for _, p := range all {
		if p.venue == "ICLR" {
			want = append(want, p.id)
		}
	}
	var got []string
	for off := 0; ; off += 7 {
		recs, err := col.Get(t.Context(), chroma.GetRequest{Where: map[string]any{"venue": "ICLR"}, Limit: 7, Offset: off, Include: []chroma.Include{}})
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) > 7 {
			t.Fatalf("page at offset %d has %d records, limit 7", off, len(recs))
		}
		for _, r := range recs {
			got = append(got, r.ID)
		}
		if len(recs) < 7 {
			break
		}
	}
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ids over all pages (-want +got):\n%s", diff)
	}
}

func testErrors(t *testing.T, c *chroma.Client, col *chroma.Collection) {
	ctx := t.Context()
	short := []float32{1, 0, 0}
	err := col.Upsert(ctx, chroma.Records{IDs: []string{"bad"}, Embeddings: [][]float32{short}})
	wantAPIError(t, err, 400, "InvalidArgumentError", "dimension of 8, got 3")
	_, err = col.Query(ctx, chroma.QueryRequest{Embedding: short})
	wantAPIError(t, err, 400, "InvalidArgumentError", "dimension of 8, got 3")

	// An unknown id in a query's ids is a 500, our mistake: no retry, and
	// not reported as an unavailable server.
	_, err = col.Query(ctx, chroma.QueryRequest{Embedding: make([]float32, dim), IDs: []string{"p001", "nope"}})
	wantAPIError(t, err, 500, "InternalError", "Error finding id")
	if errors.Is(err, chroma.ErrUnavailable) {
		t.Errorf("error %v matches ErrUnavailable", err)
	}

	_, err = c.Collection(ctx, "nope", nil, false)
	wantAPIError(t, err, 404, "NotFoundError", "Collection [nope] does not exist")
	if !errors.Is(err, chroma.ErrNotFound) {
		t.Errorf("error %v does not match ErrNotFound", err)
	}
	_, err = c.Collection(ctx, "x", nil, true)
	wantAPIError(t, err, 400, "InvalidArgumentError", "3-512 characters")
}

func wantAPIError(t *testing.T, err error, status int, kind, msg string) {
	t.Helper()
	ae, ok := errors.AsType[*chroma.APIError](err)
	if !ok {
		t.Errorf("error %v is not an *APIError", err)
		return
	}
	if ae.Status != status || ae.Kind != kind || !strings.Contains(ae.Message, msg) {
		t.Errorf("APIError %+v, want status %d kind %s and a message containing %q", ae, status, kind, msg)
	}
}

func testOverwriteDelete(t *testing.T, col *chroma.Collection, all []paper) {
	ctx := t.Context()
	p := all[3]
	p.doc = "Rewritten abstract."
	if err := col.Upsert(ctx, records([]paper{p})); err != nil {
		t.Fatal(err)
	}
	recs, err := col.Get(ctx, chroma.GetRequest{IDs: []string{p.id}})
	if err != nil || len(recs) != 1 || recs[0].Document != p.doc {
		t.Fatalf("after upsert: %+v, %v; want the new document", recs, err)
	}
	wantCount(t, col, len(all))

	gone := []string{all[3].id, all[40].id, "never-existed"}
	if err := col.Delete(ctx, gone); err != nil {
		t.Fatal(err)
	}
	wantCount(t, col, len(all)-2)
	recs, err = col.Get(ctx, chroma.GetRequest{IDs: gone})
	if err != nil || len(recs) != 0 {
		t.Errorf("deleted records read back: %+v, %v", recs, err)
	}
}

func testDatabase(t *testing.T, url string) {
	c := newClient(t, strings.Replace(url, "http://", "chroma://", 1)+"/acme/papers_db", "")
	_, err := c.Collection(t.Context(), "papers", nil, false)
	wantAPIError(t, err, 404, "NotFoundError", "")
	// Creating one there is a 400 in Chroma 1.0, not a 404.
	_, err = c.Collection(t.Context(), "papers", nil, true)
	wantAPIError(t, err, 400, "InvalidArgumentError", "Database [papers_db] does not exist")
	for range 2 { // the second finds both in place
		if err := c.EnsureDatabase(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	col, err := c.Collection(t.Context(), "papers", nil, true)
	if err != nil {
		t.Fatal(err)
	}
	wantCount(t, col, 0) // not the default database's papers
}

func testDeleteCollection(t *testing.T, c *chroma.Client) {
	ctx := t.Context()
	if _, err := c.Collection(ctx, "scratch", nil, true); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteCollection(ctx, "scratch"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Collection(ctx, "scratch", nil, false); !errors.Is(err, chroma.ErrNotFound) {
		t.Errorf("opening a deleted collection: error %v, want ErrNotFound", err)
	}
	if err := c.DeleteCollection(ctx, "scratch"); !errors.Is(err, chroma.ErrNotFound) {
		t.Errorf("deleting it again: error %v, want ErrNotFound", err)
	}
}

// TestKillRestart crashes the server and starts it again on the same data:
// a client used meanwhile reports an unavailable server without its token,
// a retrying client rides out the restart, and what was written before the
// crash is still there.
func TestKillRestart(t *testing.T) {
	const token = "tok-s3cret-do-not-print"
	srv := chromatest.Start(t)
	c := newClient(t, srv.URL(), token)
	ctx := t.Context()
	col, err := c.Collection(ctx, "papers", nil, true)
	if err != nil {
		t.Fatal(err)
	}
	ps := papers(3, 0, 50)
	if err := col.Upsert(ctx, records(ps)); err != nil {
		t.Fatal(err)
	}

	srv.Kill()
	err = c.Heartbeat(ctx)
	if !errors.Is(err, chroma.ErrUnavailable) {
		t.Fatalf("heartbeat of a killed server: error %v, want ErrUnavailable", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "chroma at "+srv.URL()+" is not answering") || strings.Contains(msg, token) {
		t.Errorf("error %q should name %s and not contain the token", msg, srv.URL())
	}

	// The server comes back while the client waits to retry.
	restarts := 0
	retrying, err := chroma.New(chroma.Config{URL: srv.URL(), Token: token, Sleep: func(context.Context, time.Duration) error {
		if restarts == 0 {
			srv.Restart()
		}
		restarts++
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	col, err = retrying.Collection(ctx, "papers", nil, false)
	if err != nil || restarts != 1 {
		t.Fatalf("open across a restart: %v after %d retries, want success after 1", err, restarts)
	}
	wantCount(t, col, len(ps))
	ms, err := col.Query(ctx, chroma.QueryRequest{Embedding: ps[9].emb, NResults: 1})
	if err != nil || len(ms) != 1 || ms[0].ID != ps[9].id {
		t.Errorf("query after restart: %+v, %v; want %s", ms, err, ps[9].id)
	}
}
