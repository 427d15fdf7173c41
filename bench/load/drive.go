package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openreview-finder/openreview-finder/bench/internal/machine"
)

// mix is one kind of traffic: which search, and which queries.
type mix struct {
	name, about string
	mode        string     // the mode the API is asked for and must answer with
	filter      url.Values // extra parameters: a venue and years
	zipf        bool       // draw from the popular pool, else every query new
}

var mixes = []mix{
	{name: "distinct", about: "hybrid, every query new (each pays the query embedding)", mode: "hybrid"},
	{name: "zipf", about: "hybrid, Zipf draws from 300 queries (the engine caches query vectors)", mode: "hybrid", zipf: true},
	{name: "keyword", about: "keyword (BM25), every query new", mode: "keyword"},
	{name: "hybrid-filter", about: "hybrid, venue ICLR + years 2024-2025, Zipf draws from 300 queries", mode: "hybrid",
		filter: url.Values{"venue": {"ICLR"}, "year": {"2024", "2025"}}, zipf: true},
}

var mixNames = func() []string {
	var ns []string
	for _, m := range mixes {
		ns = append(ns, m.name)
	}
	return ns
}()

// Query pools. distinctN bounds the new queries of a run: more than the
// fastest mix sends, so none repeats (a repeat is counted if one does).
const (
	poolSize  = 300
	distinctN = 40000
	zipfS     = 1.1 // popular queries repeat; the tail is long
	seedQuery = corpusSeed + 100
)

// queries hands out query texts to concurrent clients.
type queries struct {
	distinct []string
	next     atomic.Int64 // into distinct, across every mix: no query is new twice
	pool     []string
}

func newQueries() *queries {
	g := newGen(corpusSeed)
	g.reseed(seedQuery)
	seen := map[string]bool{}
	draw := func(n int) []string {
		out := make([]string, 0, n)
		for len(out) < n {
			if q := g.query(); !seen[q] {
				seen[q] = true
				out = append(out, q)
			}
		}
		return out
	}
	pool := draw(poolSize)
	return &queries{pool: pool, distinct: draw(distinctN)}
}

// newText returns a query not sent before in this run, and whether the
// list ran out and it is a repeat.
func (q *queries) newText() (string, bool) {
	i := q.next.Add(1) - 1
	return q.distinct[i%int64(len(q.distinct))], i >= int64(len(q.distinct))
}

// outcome counts what one client saw.
type outcome struct {
	times     []time.Duration // successful requests only
	errors    int             // non-200 answers and failed requests
	busy      int             // 503: the search queue was full for QueueTimeout
	fallbacks int             // 200, but in another mode than asked
	empty     int             // 200 with no results: a filter or query that matched nothing
	repeats   int             // "distinct" queries sent twice
	firstErr  string
	// firstFallback is the start of the first answer in another mode.
	firstFallback string
}

// client runs one closed-loop client until stop, recording requests that
// began before it.
func client(ctx context.Context, hc *http.Client, base string, m mix, qs *queries, seed uint64, stop time.Time, think time.Duration) outcome {
	var o outcome
	rng := rand.New(rand.NewPCG(seed, 9))
	z := rand.NewZipf(rng, zipfS, 1, uint64(len(qs.pool)-1))
	want := modeAnswer(m.mode)
	var buf bytes.Buffer
	for time.Now().Before(stop) && ctx.Err() == nil {
		var text string
		if m.zipf {
			text = qs.pool[z.Uint64()]
		} else {
			var rep bool
			if text, rep = qs.newText(); rep {
				o.repeats++
			}
		}
		v := url.Values{"q": {text}, "mode": {m.mode}}
		for k, vs := range m.filter {
			v[k] = vs
		}
		begin := time.Now()
		status, err := get(ctx, hc, base+"/api/search?"+v.Encode(), &buf)
		d := time.Since(begin)
		switch {
		case err != nil || status != http.StatusOK:
			o.errors++
			if status == http.StatusServiceUnavailable {
				o.busy++
			}
			if o.firstErr == "" {
				o.firstErr = fmt.Sprintf("status %d %v: %.200s", status, err, buf.String())
			}
		default:
			if noResults.Match(buf.Bytes()) {
				o.empty++
			}
			if !want.Match(buf.Bytes()) {
				o.fallbacks++
				if o.firstFallback == "" {
					o.firstFallback = fmt.Sprintf("%.300s", buf.String())
				}
			}
			o.times = append(o.times, d)
		}
		pause(ctx, rng, think, stop)
	}
	return o
}

// modeAnswer matches an answer that ran in mode.
func modeAnswer(mode string) *regexp.Regexp {
	return regexp.MustCompile(`"mode":\s*"` + regexp.QuoteMeta(mode) + `"`)
}

// noResults matches an answer listing no papers.
var noResults = regexp.MustCompile(`"count":\s*0\s*,`)

// pause waits a random time of mean think (none when think is 0), but
// not past stop: exponential pauses make readers who arrive as a Poisson
// process rather than in lockstep.
func pause(ctx context.Context, rng *rand.Rand, think time.Duration, stop time.Time) {
	if think <= 0 {
		return
	}
	d := time.Duration(rng.ExpFloat64() * float64(think))
	select {
	case <-ctx.Done():
	case <-time.After(min(d, time.Until(stop))):
	}
}

// get fetches u into buf and returns the status.
func get(ctx context.Context, hc *http.Client, u string, buf *bytes.Buffer) (int, error) {
	buf.Reset()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, fmt.Errorf("new request: %w", err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(buf, resp.Body); err != nil {
		return resp.StatusCode, fmt.Errorf("read body: %w", err)
	}
	return resp.StatusCode, nil
}

// result is one mix's figures.
type result struct {
	Mix        string  `json:"mix"`
	About      string  `json:"about"`
	Clients    int     `json:"clients"`
	Seconds    float64 `json:"seconds"`
	Requests   int     `json:"requests"` // answered 200 in the asked mode, or not: every request sent
	Throughput float64 `json:"throughput_rps"`
	Latency    latency `json:"latency"` // successful requests
	Errors     int     `json:"errors"`
	Busy503    int     `json:"busy_503"`
	Fallbacks  int     `json:"fallbacks"`
	Empty      int     `json:"empty"`
	Repeats    int     `json:"repeats,omitempty"`
	FirstError string  `json:"first_error,omitempty"`
	Fallback   string  `json:"first_fallback,omitempty"`
	MeetsGoal  bool    `json:"meets_target"` // p50 ≤ 50 ms, p99 ≤ 150 ms, no errors
	LoadBefore float64 `json:"load1_before"`
	LoadAfter  float64 `json:"load1_after"`
}

// drive warms the mix up, then times it for c.duration.
func drive(ctx context.Context, c config, hc *http.Client, base string, m mix, qs *queries) (result, error) {
	runFor := func(d time.Duration, seed uint64) []outcome {
		stop := time.Now().Add(d)
		out := make([]outcome, c.clients)
		var wg sync.WaitGroup
		for i := range c.clients {
			wg.Go(func() { out[i] = client(ctx, hc, base, m, qs, seed+uint64(i), stop, c.think) })
		}
		wg.Wait()
		return out
	}
	if c.warmup > 0 {
		runFor(c.warmup, 1000)
	}
	r := result{Mix: m.name, About: m.about, Clients: c.clients, LoadBefore: machine.LoadAvg()}
	before, err := machine.SampleCPU()
	if err != nil {
		return r, err
	}
	begin := time.Now()
	outs := runFor(c.duration, 1)
	// The last requests end after stop: throughput counts until they do.
	r.Seconds = time.Since(begin).Seconds()
	after, err := machine.SampleCPU()
	if err != nil {
		return r, err
	}
	if err := ctx.Err(); err != nil {
		return r, err
	}
	all := r.add(outs)
	r.Requests = len(all) + r.Errors
	r.Throughput = float64(r.Requests) / r.Seconds
	r.Latency = summarise(all)
	r.Latency.Others = machine.OthersBusy(before, after)
	r.MeetsGoal = r.Errors == 0 && r.Fallbacks == 0 && r.Latency.P50 <= 50 && r.Latency.P99 <= 150
	r.LoadAfter = machine.LoadAvg()
	return r, nil
}

// add counts the clients' outcomes into r and returns their times.
func (r *result) add(outs []outcome) []time.Duration {
	var all []time.Duration
	for _, o := range outs {
		all = append(all, o.times...)
		r.Errors += o.errors
		r.Busy503 += o.busy
		r.Fallbacks += o.fallbacks
		r.Empty += o.empty
		r.Repeats += o.repeats
		if r.FirstError == "" {
			r.FirstError = o.firstErr
		}
		if r.Fallback == "" {
			r.Fallback = o.firstFallback
		}
	}
	return all
}

// latency summarises request times, in milliseconds.
type latency struct {
	N    int     `json:"n"`
	P50  float64 `json:"p50_ms"`
	P90  float64 `json:"p90_ms"`
	P99  float64 `json:"p99_ms"`
	Mean float64 `json:"mean_ms"`
	Max  float64 `json:"max_ms"`
	// Others is how many cores processes other than this one kept busy
	// meanwhile: above a few tenths, the figures are inflated.
	Others float64 `json:"others_busy_cores"`
}

func summarise(ds []time.Duration) latency {
	if len(ds) == 0 {
		return latency{}
	}
	v := make([]float64, len(ds))
	var sum float64
	for i, d := range ds {
		v[i] = ms(d)
		sum += v[i]
	}
	slices.Sort(v)
	// Nearest rank: the smallest time at least q of the requests did not exceed.
	at := func(q float64) float64 { return v[max(0, int(q*float64(len(v))+0.999999)-1)] }
	return latency{N: len(v), P50: at(0.5), P90: at(0.9), P99: at(0.99), Mean: sum / float64(len(v)), Max: v[len(v)-1]}
}
