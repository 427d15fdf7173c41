package main

import (
	"math/rand/v2"
	"strings"

	"github.com/openreview-finder/openreview-finder/bench/internal/synth"
)

// The query generator is bench/search's (corpus.go), cut down to queries:
// the same seed gives the same vocabulary as the cached index, so the
// queries' words occur in its papers and are whole tokens of its model.

const corpusSeed = 2024

// gen makes queries: 3 to 10 words, mostly ML terms, Zipf-distributed.
type gen struct {
	rng    *rand.Rand
	vocab  []string
	mlZipf *rand.Zipf // over the ML words only
	nFunc  int
}

func newGen(seed uint64) *gen {
	rng := rand.New(rand.NewPCG(seed, 1))
	g := &gen{vocab: synth.Vocabulary(rng), nFunc: len(strings.Fields(synth.FunctionWords))}
	g.reseed(seed)
	return g
}

// reseed restarts the random draws, keeping the vocabulary.
func (g *gen) reseed(seed uint64) {
	g.rng = rand.New(rand.NewPCG(seed, 11))
	g.mlZipf = rand.NewZipf(rand.New(rand.NewPCG(seed, 3)), 1.05, 4, uint64(len(g.vocab)-g.nFunc-1))
}

func (g *gen) mlWord() string { return g.vocab[g.nFunc+int(g.mlZipf.Uint64())] }

// phrase is k ML words, with a function word now and then.
func (g *gen) phrase(k int) []string {
	ws := make([]string, k)
	for i := range ws {
		if i > 0 && i < k-1 && g.rng.IntN(5) == 0 {
			ws[i] = []string{"for", "of", "with", "in", "via", "and"}[g.rng.IntN(6)]
		} else {
			ws[i] = g.mlWord()
		}
	}
	return ws
}

// query is what a person types: 3 to 10 words, mostly ML terms.
func (g *gen) query() string { return strings.Join(g.phrase(3+g.rng.IntN(8)), " ") }
