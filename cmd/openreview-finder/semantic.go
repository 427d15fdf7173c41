package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/openreview-finder/openreview-finder/internal/embedding"
	"github.com/openreview-finder/openreview-finder/internal/hfhub"
	"github.com/openreview-finder/openreview-finder/internal/search"
	"github.com/openreview-finder/openreview-finder/internal/store"
)

// vectorEncoding is how search stores vectors in the index (see
// search.EncodeF16).
const vectorEncoding = "f16"

// specterFlags choose the SPECTER2 encoders: one base model, the proximity
// adapter for papers and the ad-hoc query adapter for queries.
type specterFlags struct {
	model, paperAdapter, queryAdapter string
	hub                               hubFlags
}

func (s *specterFlags) register(fs *flagSet, paperAdapter, queryAdapter bool) {
	fs.stringVar(&s.model, "model", "ORF_MODEL", defaultModel, "base model: a Hub repo id or a local directory laid out like one")
	s.hub.register(fs)
	if paperAdapter {
		fs.stringVar(&s.paperAdapter, "adapter", "ORF_ADAPTER", defaultPaperAdapter, "adapter that embeds papers: a Hub repo id or a local directory")
	}
	if queryAdapter {
		fs.stringVar(&s.queryAdapter, "query-adapter", "ORF_QUERY_ADAPTER", defaultQueryAdapter, "adapter that embeds search queries: a Hub repo id or a local directory")
	}
}

// modelName is how the index records a model reference: a Hub repo id as
// given, a local directory as an absolute path, so the same directory named
// from elsewhere still matches.
func modelName(ref string) string {
	if fi, err := os.Stat(ref); err == nil && fi.IsDir() {
		if abs, err := filepath.Abs(ref); err == nil {
			return abs
		}
	}
	return ref
}

// record is what the index stores about the paper encoder.
func (s *specterFlags) record(dim int) store.Model {
	return store.Model{Name: modelName(s.model), Adapter: modelName(s.paperAdapter), Dim: dim, Encoding: vectorEncoding}
}

// encoders resolves (downloading if needed) and loads the encoders on
// first use, sharing one base model between them.
type encoders struct {
	flags  *specterFlags
	env    environ
	stderr io.Writer

	once     sync.Once
	hub      *hfhub.Client
	modelDir string
	err      error
	reg      embedding.Registry
}

func (s *specterFlags) encoders(env environ, stderr io.Writer) *encoders {
	return &encoders{flags: s, env: env, stderr: stderr}
}

func (e *encoders) base(ctx context.Context) (string, error) {
	e.once.Do(func() {
		if e.hub, e.err = e.flags.hub.client(e.env, e.stderr); e.err != nil {
			return
		}
		e.modelDir, e.err = resolveModel(ctx, e.hub, e.flags.model, e.flags.hub.revision, modelRepoFiles)
	})
	return e.modelDir, e.err
}

func (e *encoders) load(ctx context.Context, adapter string) (*embedding.Encoder, error) {
	dir, err := e.base(ctx)
	if err != nil {
		return nil, err
	}
	adapterDir := ""
	if adapter != "" {
		if adapterDir, err = resolveModel(ctx, e.hub, adapter, "", adapterRepoFiles); err != nil {
			return nil, err
		}
	}
	return e.reg.Encoder(dir, adapterDir, embedding.Options{Pooling: embedding.DefaultPooling(dir)})
}

func (e *encoders) paper(ctx context.Context) (*embedding.Encoder, error) {
	return e.load(ctx, e.flags.paperAdapter)
}

func (e *encoders) query(ctx context.Context) (*embedding.Encoder, error) {
	return e.load(ctx, e.flags.queryAdapter)
}

// openEngine loads the index's vectors (unless a vector database holds
// them) and, when the index has any, the query encoder (and the paper
// encoder when withPaper). A model that cannot be loaded turns semantic
// search off, with the reason kept for the user; keyword search still works.
func openEngine(ctx context.Context, ix *searchIndex, sf *specterFlags, env environ, stderr io.Writer, withPaper bool) (*search.Engine, error) {
	opts := search.Options{PaperText: embedding.PaperText, Vectors: ix.vec}
	if _, ok, err := ix.st.EmbeddingModel(ctx); err != nil {
		return nil, err
	} else if ok {
		encs := sf.encoders(env, stderr)
		err := encs.queryOptions(ctx, &opts)
		if withPaper && err == nil {
			p, err := encs.paper(ctx)
			if err != nil {
				return nil, err
			}
			opts.Paper = p
		}
	}
	return search.Open(ctx, ix.st, opts)
}

// queryOptions loads the query encoder into opts, or records in opts why
// it could not be loaded, and returns that error.
func (e *encoders) queryOptions(ctx context.Context, opts *search.Options) error {
	q, err := e.query(ctx)
	if err != nil {
		opts.QueryUnavailable = modelUnavailable(err)
		return err
	}
	opts.Query, opts.Model = q, e.flags.record(q.Dim())
	return nil
}

// modelUnavailable says why the model could not be loaded and how to fix it.
func modelUnavailable(err error) error {
	if errors.Is(err, hfhub.ErrOffline) {
		return fmt.Errorf("the model is not in the Hugging Face cache and downloads are off: %w", err)
	}
	return fmt.Errorf("cannot load the model: %w", err)
}

// semanticHelp turns the reasons semantic search is off into one sentence
// that says what to do.
func semanticHelp(err error, sf *specterFlags) error {
	var mm *store.ModelMismatchError
	switch {
	case errors.As(err, &mm):
		return fmt.Errorf("the index's vectors were made with %s, but this search uses %s: search with --model %s, or re-embed the index with \"openreview-finder index --reembed --model %s\"",
			mm.Have.Name, mm.Want.Name, mm.Have.Name, sf.model)
	case errors.Is(err, search.ErrNoVectors):
		return fmt.Errorf("%w (semantic search needs them; keyword search works: --mode keyword)", err)
	}
	return err
}
