package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"slices"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/embedding"
	"github.com/openreview-finder/openreview-finder/internal/search"
	"github.com/openreview-finder/openreview-finder/internal/store"
	"github.com/openreview-finder/openreview-finder/internal/tensor"

	"github.com/openreview-finder/openreview-finder/bench/internal/machine"
)

// report is everything one run measures. Times are milliseconds.
type report struct {
	Papers     int       `json:"papers"`
	Vectors    int       `json:"vectors"`
	Build      buildInfo `json:"build"`
	Backend    string    `json:"backend"`
	GOMAXPROCS int       `json:"gomaxprocs"`
	// LoadBefore and LoadAfter are the one-minute load averages around the
	// measurements: above GOMAXPROCS, other work competed for the cores.
	LoadBefore float64 `json:"load_before"`
	LoadAfter  float64 `json:"load_after"`

	ModelLoadMS   float64 `json:"model_load_ms"`   // query encoder: BERT-base + adapter + tokenizer
	OpenMS        float64 `json:"open_ms"`         // store.Open + search.Open until ready
	FirstSearchMS float64 `json:"first_search_ms"` // first semantic search after Open, vector given

	Vector         latency `json:"vector"`          // semantic search, query vector given
	VectorFiltered latency `json:"vector_filtered"` // the same, venue + year filter
	FilterPassing  int     `json:"filter_passing"`  // papers passing that filter
	Embed          latency `json:"embed"`           // query embedding alone
	QueryTokens    float64 `json:"query_tokens"`    // average, [CLS] and [SEP] included
	Hybrid         latency `json:"hybrid"`          // end to end, real query encoder
	HybridExplain  latency `json:"hybrid_explain"`  // the same with Explain
	Semantic       latency `json:"semantic"`        // end to end, real query encoder
	Keyword        latency `json:"keyword"`
	// The same over the queries without a function word (see contentOnly).
	HybridContent  latency `json:"hybrid_content_words"`
	KeywordContent latency `json:"keyword_content_words"`

	FileBytes     int64   `json:"file_bytes"` // index file and WAL after close
	BytesPerPaper float64 `json:"bytes_per_paper"`
	Disk          diskUse `json:"disk"`
	PeakRSSMiB    float64 `json:"peak_rss_mib"`
}

// benchFilter is a typical narrowing: one venue series, two years.
var benchFilter = store.Filter{Venues: []string{"ICLR"}, Years: []int{2024, 2025}}

// The query sets: each phase searches for texts no other phase used.
const (
	setWarm = iota
	setVector
	setEmbed
	setHybrid
	setHybridExplain
	setSemantic
	setKeyword
	numSets
)

// bench is the loaded encoder, store and engine that the phases time.
type bench struct {
	enc *embedding.Encoder
	st  *store.Store
	eng *search.Engine
}

func measure(ctx context.Context, c config, bi buildInfo, log io.Writer) (*report, error) {
	rep := &report{Papers: c.n, Build: bi, Backend: tensor.BackendInfo(), GOMAXPROCS: runtime.GOMAXPROCS(0), LoadBefore: machine.LoadAvg()}
	sets := querySets(numSets, c.queries)
	prof := &profiler{path: c.cpuprofile, phase: c.profile}
	defer prof.stop("")
	b, err := open(ctx, c, rep, prof, slices.Concat(sets[setWarm], sets[setVector]), log)
	if err != nil {
		return nil, err
	}
	defer b.st.Close()
	if err := b.warmUp(ctx, rep, sets[setWarm], log); err != nil {
		return nil, err
	}
	for _, p := range b.phases(ctx, rep, sets) {
		if c.phases != nil && !slices.Contains(c.phases, p.name) {
			continue
		}
		if err := p.measure(ctx, c, prof, log); err != nil {
			return nil, err
		}
	}
	rep.QueryTokens = meanTokens(b.enc, sets[setEmbed])
	rep.PeakRSSMiB = peakRSS()
	rep.LoadAfter = machine.LoadAvg()
	if err := b.st.Close(); err != nil {
		return nil, fmt.Errorf("close index: %w", err)
	}
	return rep, diskReport(ctx, rep, indexPath(indexDir(c.cache, c.n)))
}

// open loads the query encoder, then times opening the store and the
// engine. The engine's embedder answers given texts from memory.
func open(ctx context.Context, c config, rep *report, prof *profiler, given []string, log io.Writer) (*bench, error) {
	start := time.Now()
	var reg embedding.Registry
	enc, err := reg.Encoder(modelDir(c.cache), adapterDir(c.cache), embedding.Options{Pooling: embedding.PoolCLS})
	if err != nil {
		return nil, fmt.Errorf("load query encoder: %w", err)
	}
	rep.ModelLoadMS = since(start)
	qe := &queryEmbedder{given: map[string][]float32{}, enc: enc}
	qe.give(given)
	if err := machine.WaitIdle(ctx, c.waitIdle, log); err != nil {
		return nil, err
	}
	if err := prof.start("open"); err != nil {
		return nil, err
	}
	start = time.Now()
	st, err := store.Open(ctx, indexPath(indexDir(c.cache, c.n)))
	if err != nil {
		return nil, err
	}
	// No response cache: every search is timed doing its work.
	eng, err := search.Open(ctx, st, search.Options{Query: qe, Model: benchModel, ResultCache: -1})
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("open engine: %w", err)
	}
	rep.OpenMS = since(start)
	if err := prof.stop("open"); err != nil {
		st.Close()
		return nil, err
	}
	if err := eng.Semantic(); err != nil {
		st.Close()
		return nil, fmt.Errorf("semantic search is off: %w", err)
	}
	rep.Vectors = eng.Len()
	return &bench{enc: enc, st: st, eng: eng}, nil
}

// search returns a function running one search, which fails if the engine
// fell back to another mode.
func (b *bench) search(ctx context.Context, mode search.Mode, f store.Filter, explain bool) func(string) error {
	return func(q string) error {
		resp, err := b.eng.Search(ctx, search.Request{Text: q, Mode: mode, Filter: f, Explain: explain})
		if err == nil && resp.Mode != mode {
			err = fmt.Errorf("search %q ran as %s: %s", q, resp.Mode, resp.Notice)
		}
		return err
	}
}

// phase is one timed measurement.
type phase struct {
	name          string
	dst, dstWords *latency // dstWords: the same over queries without function words
	texts         []string
	fn            func(string) error
}

func (b *bench) phases(ctx context.Context, rep *report, sets [][]string) []phase {
	none := store.Filter{}
	embed := func(q string) error { _, err := b.enc.Embed(ctx, []string{q}); return err }
	return []phase{
		{"vector", &rep.Vector, nil, sets[setVector], b.search(ctx, search.ModeSemantic, none, false)},
		{"vector-filter", &rep.VectorFiltered, nil, sets[setVector], b.search(ctx, search.ModeSemantic, benchFilter, false)},
		{"embed", &rep.Embed, nil, sets[setEmbed], embed},
		{"hybrid", &rep.Hybrid, &rep.HybridContent, sets[setHybrid], b.search(ctx, search.ModeHybrid, none, false)},
		{"hybrid-explain", &rep.HybridExplain, nil, sets[setHybridExplain], b.search(ctx, search.ModeHybrid, none, true)},
		{"semantic", &rep.Semantic, nil, sets[setSemantic], b.search(ctx, search.ModeSemantic, none, false)},
		{"keyword", &rep.Keyword, &rep.KeywordContent, sets[setKeyword], b.search(ctx, search.ModeKeyword, none, false)},
	}
}

// busyLimit is how many cores other processes may keep busy during a
// phase before it is timed again.
const busyLimit = 0.25

// measure times the phase, again (up to c.retries times) while other
// processes competed for the cores, and keeps the least disturbed run.
func (p *phase) measure(ctx context.Context, c config, prof *profiler, log io.Writer) error {
	for try := 0; try <= c.retries; try++ {
		if err := machine.WaitIdle(ctx, c.waitIdle, log); err != nil {
			return err
		}
		fmt.Fprintf(log, "timing %s (%d queries) ...\n", p.name, len(p.texts))
		if err := prof.start(p.name); err != nil {
			return err
		}
		before, err := machine.SampleCPU()
		if err != nil {
			return err
		}
		ds, err := timeEach(p.texts, p.fn)
		if err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
		after, err := machine.SampleCPU()
		if err != nil {
			return err
		}
		if err := prof.stop(p.name); err != nil {
			return err
		}
		l := summarise(ds)
		l.Others = machine.OthersBusy(before, after)
		if try > 0 && l.Others >= p.dst.Others {
			continue
		}
		*p.dst = l
		if p.dstWords != nil {
			*p.dstWords = contentOnly(p.texts, ds)
			p.dstWords.Others = l.Others
		}
		if l.Others < busyLimit {
			return nil
		}
		fmt.Fprintf(log, "other processes kept %.2f cores busy meanwhile\n", l.Others)
	}
	return nil
}

// warmUp times the first search after open, then runs each kind of search
// a few times, so first touches of the weights, the vectors and SQLite's
// page cache are not timed. It also counts the papers benchFilter passes,
// to show the filtered search has real work to do.
func (b *bench) warmUp(ctx context.Context, rep *report, texts []string, log io.Writer) error {
	start := time.Now()
	if err := b.search(ctx, search.ModeSemantic, store.Filter{}, false)(texts[0]); err != nil {
		return err
	}
	rep.FirstSearchMS = since(start)
	fmt.Fprintf(log, "warming up (%d queries) ...\n", len(texts))
	for i, q := range texts {
		for _, mode := range []search.Mode{search.ModeSemantic, search.ModeHybrid, search.ModeKeyword} {
			if err := b.search(ctx, mode, store.Filter{}, false)(q); err != nil {
				return fmt.Errorf("warm up: %w", err)
			}
		}
		if i < 10 {
			if _, err := b.enc.Embed(ctx, []string{q}); err != nil {
				return fmt.Errorf("warm up encoder: %w", err)
			}
		}
	}
	ids, err := b.st.FilterIDs(ctx, benchFilter)
	if err != nil || len(ids) == 0 {
		return fmt.Errorf("the venue+year filter passes %d papers: %v", len(ids), err)
	}
	rep.FilterPassing = len(ids)
	return nil
}

func meanTokens(enc *embedding.Encoder, texts []string) float64 {
	n := 0
	for _, t := range texts {
		n += len(enc.Tokenizer().Encode(t))
	}
	return float64(n) / float64(len(texts))
}

func diskReport(ctx context.Context, rep *report, path string) error {
	var err error
	if rep.FileBytes, err = fileBytes(path); err != nil {
		return err
	}
	rep.BytesPerPaper = float64(rep.FileBytes) / float64(rep.Papers)
	rep.Disk, err = measureDisk(ctx, path)
	return err
}
