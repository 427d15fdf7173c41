package search

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/store"
)

// Store is what the engine reads; *store.Store satisfies it.
type Store interface {
	Search(ctx context.Context, q store.Query) ([]store.Hit, error)
	Papers(ctx context.Context, ids []string) ([]paper.Paper, error)
	Paper(ctx context.Context, id string) (paper.Paper, error)
	FilterIDs(ctx context.Context, f store.Filter) ([]string, error)
	ScanVectors(ctx context.Context, fn func(store.VectorRow) error) error
	EmbeddingModel(ctx context.Context) (store.Model, bool, error)
}

// Embedder turns texts into vectors of Dim() numbers each, one per text, in
// order. The SPECTER2 encoders satisfy it.
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
	Dim() int
}

// Encoding names how this package encodes vectors in the store (see
// EncodeF16); store.Model.Encoding records it.
const Encoding = "f16"

// Errors saying why semantic search is off.
var (
	// ErrNoVectors means the index holds no vectors to search.
	ErrNoVectors = errors.New(`the index has no vectors yet; run "openreview-finder index" without --no-embed`)
	// ErrNoModel means no encoder is loaded for the query (or paper) text.
	ErrNoModel = errors.New("no embedding model is loaded")
	// ErrNotEmbedded means a paper is in the index but has no vector yet.
	ErrNotEmbedded = errors.New(`the paper has no vector yet; run "openreview-finder index" to embed it`)
)

// Mode is how a search ranks papers.
type Mode string

// The search modes. Hybrid is the default.
const (
	ModeHybrid   Mode = "hybrid"   // keyword and semantic ranks fused
	ModeSemantic Mode = "semantic" // cosine similarity to the query's vector
	ModeKeyword  Mode = "keyword"  // BM25 over title, abstract, keywords, authors
)

// ParseMode reads a mode as a user types it, in any case; "" is hybrid.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(strings.ToLower(strings.TrimSpace(s))); m {
	case "":
		return ModeHybrid, nil
	case ModeHybrid, ModeSemantic, ModeKeyword:
		return m, nil
	}
	return "", fmt.Errorf("%w: unknown search mode %q (want hybrid, semantic or keyword)", paper.ErrInvalid, s)
}

// Options configure an Engine.
type Options struct {
	// Query embeds search text (SPECTER2's adhoc_query adapter). Nil turns
	// semantic search off; keyword search still works.
	Query Embedder
	// Paper embeds a paper's text (the proximity adapter), for SimilarText.
	// It may be nil.
	Paper Embedder
	// PaperText is the text Paper embeds for a title and abstract; main
	// passes embedding.PaperText.
	PaperText func(title, abstract string) string
	// Model names the encoders. Its Name, Dim and Encoding must match the
	// index's record for semantic search to run; the adapters differ
	// between the query and paper encoders by design, so they are not
	// compared.
	Model store.Model
	// QueryUnavailable says why Query is nil, for the user, when known.
	QueryUnavailable error
	// QueryCache is how many query vectors to remember (least recently
	// used go first): 0 means the default, 1024; negative turns it off.
	QueryCache int
	// ResultCache is how many responses to remember for 30 seconds, until
	// the next Reload: 0 means the default, 512; negative turns it off.
	ResultCache int
	// Vectors, when set, holds the vectors instead of memory: Open loads
	// none, the semantic leg and Similar ask Vectors, which applies the
	// filters itself, and explanations rank a paper within the leg only.
	// Store must then describe the same papers (chromastore's Store is
	// both).
	Vectors Nearest
	Logger  *slog.Logger
}

// Request is one search.
type Request struct {
	Text    string
	Mode    Mode // "" is hybrid
	Limit   int  // store.DefaultLimit when ≤ 0, at most store.MaxLimit
	Filter  store.Filter
	Explain bool // fill Result.Explain
}

// Result is one ranked paper. Score is higher for better matches: the BM25
// score in keyword mode, the cosine similarity in semantic mode, the fused
// reciprocal-rank score in hybrid mode.
type Result struct {
	Paper   paper.Paper
	Score   float64
	Explain *Explanation
}

// Explanation says where a result stood in each ranking.
type Explanation struct {
	KeywordRank  int     // rank among the keyword matches; 0 when not among them
	KeywordScore float64 // BM25 score, when KeywordRank > 0
	SemanticRank int     // rank by similarity among the papers passing the filter; 0 when unknown
	Similarity   float64 // cosine similarity to the query, when SemanticRank > 0
	// Matched lists the query's words found in the paper's title,
	// abstract, keywords or authors, in query order.
	Matched []string
	// TitleMatch is set when the query is the paper's title, word for word;
	// hybrid search then ranks the paper first (see titleBonus).
	TitleMatch bool
}

// Response is a search's results and the mode that produced them, which is
// keyword when semantic search was asked for in hybrid mode but is off;
// Notice then says why.
type Response struct {
	Results []Result
	Mode    Mode
	Notice  string
}

// clampLimit applies the store's limits, so every mode returns as many
// results as keyword search would.
func clampLimit(n int) int {
	switch {
	case n <= 0:
		return store.DefaultLimit
	case n > store.MaxLimit:
		return store.MaxLimit
	}
	return n
}
