package synth

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/openreview-finder/openreview-finder/internal/embedding"
	"github.com/openreview-finder/openreview-finder/internal/search"
	"github.com/openreview-finder/openreview-finder/internal/store"
)

// vectorPage is how many vectors one SaveVectors call stores.
const vectorPage = 1000

// SaveVectors records model m in st and stores a random unit vector of
// m.Dim for every paper still without one, with the text hash
// search.EmbedPapers would store: the index is what `openreview-finder
// index` leaves, but for the vectors' values. The same seed gives the
// same vectors. progress, if set, gets the count saved after each page.
func SaveVectors(ctx context.Context, st *store.Store, m store.Model, seed uint64, progress func(done int)) (int, error) {
	if err := st.SetEmbeddingModel(ctx, m, false); err != nil {
		return 0, fmt.Errorf("set embedding model: %w", err)
	}
	rng := rand.New(rand.NewPCG(seed, 5))
	v := make([]float32, m.Dim)
	var after int64
	done := 0
	for {
		tasks, err := st.PendingEmbeddings(ctx, after, vectorPage)
		if err != nil {
			return done, fmt.Errorf("pending embeddings after pk %d: %w", after, err)
		}
		if len(tasks) == 0 {
			return done, nil
		}
		vs := make([]store.Vector, len(tasks))
		for i, t := range tasks {
			for j := range v {
				v[j] = float32(rng.NormFloat64())
			}
			h := search.TextHash(embedding.PaperText(t.Title, t.Abstract))
			vs[i] = store.Vector{PK: t.PK, Modified: t.Modified, TextHash: h, Data: search.EncodeF16(v)}
		}
		if err := st.SaveVectors(ctx, vs); err != nil {
			return done, fmt.Errorf("save vectors: %w", err)
		}
		after = tasks[len(tasks)-1].PK
		done += len(tasks)
		if progress != nil {
			progress(done)
		}
	}
}
