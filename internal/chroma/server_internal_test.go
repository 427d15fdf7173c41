package chroma

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/openreview-finder/openreview-finder/internal/chroma/chromatest"
)

// TestBase64Exact checks the base64 embedding encoding against a real
// server: what it stores from base64 is bit for bit what it stores from
// JSON numbers, which encoding/json writes exactly for float32.
func TestBase64Exact(t *testing.T) {
	srv := chromatest.Start(t)
	ctx := t.Context()
	rng := rand.New(rand.NewPCG(4, 2))
	r := Records{}
	for i := range 40 {
		e := make([]float32, 16)
		for j := range e {
			e[j] = float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(9)-4)))
		}
		r.IDs = append(r.IDs, string(rune('a'+i%26))+string(rune('a'+i/26)))
		r.Embeddings = append(r.Embeddings, e)
	}
	stored := map[bool][][]float32{}
	for _, b64 := range []bool{true, false} {
		c, err := New(Config{URL: srv.URL()})
		if err != nil {
			t.Fatal(err)
		}
		c.pre = &PreFlight{SupportsBase64: b64}
		name := map[bool]string{true: "base64", false: "numbers"}[b64]
		col, err := c.Collection(ctx, name, nil, true)
		if err != nil {
			t.Fatal(err)
		}
		if err := col.Upsert(ctx, r); err != nil {
			t.Fatal(err)
		}
		recs, err := col.Get(ctx, GetRequest{IDs: r.IDs, Include: []Include{IncludeEmbeddings}})
		if err != nil {
			t.Fatal(err)
		}
		byID := map[string][]float32{}
		for _, rec := range recs {
			byID[rec.ID] = rec.Embedding
		}
		for _, id := range r.IDs {
			stored[b64] = append(stored[b64], byID[id])
		}
	}
	bits := cmp.Comparer(func(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) })
	if diff := cmp.Diff(stored[false], stored[true], bits); diff != "" {
		t.Errorf("stored from base64 differs from stored from numbers (-numbers +base64):\n%s", diff)
	}
}
