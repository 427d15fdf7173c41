package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/embedding"
	"github.com/openreview-finder/openreview-finder/internal/hfhub"
	"github.com/openreview-finder/openreview-finder/internal/search"
	"github.com/openreview-finder/openreview-finder/internal/snapshot"
	"github.com/openreview-finder/openreview-finder/internal/store"
	"github.com/openreview-finder/openreview-finder/internal/web"
)

const (
	defaultAddr   = "127.0.0.1:7860"
	shutdownGrace = 10 * time.Second
	// reloadEvery is how often the engine re-reads the vectors while
	// papers are being embedded, so semantic search covers them as they come.
	reloadEvery = 30 * time.Second
	// sayEvery spaces the progress lines of a long task on standard output.
	sayEvery = 10 * time.Second
)

// errModelLoading is why semantic search is off until the model is loaded.
var errModelLoading = errors.New("the SPECTER2 model is still loading; semantic search starts once it is ready")

// serveFlags are serve's command line.
type serveFlags struct {
	cfg         config
	sf          specterFlags
	addr        string
	venues      []string
	status      string
	noEmbed     bool
	refresh     time.Duration // crawl the venues again this often; 0: once
	maxSearches int
	workDir     string // where the live index goes when the data dir is a mounted bucket
	indexRepo   string // Hub dataset repo of a snapshot to start from: USER/DATASET[@REV]
	store       storeFlag
	chroma      bool // --store names a Chroma server: see checkStore
}

func (f *serveFlags) parse(args []string, env environ, stderr io.Writer) error {
	fs := newFlagSet("serve", env.getenv, stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: openreview-finder serve [--addr HOST:PORT] [--venue ID]... [--status accepted|all] [--no-embed] [flags]")
		fmt.Fprintln(stderr, "Serves the search page and the JSON API. With --venue, crawls and embeds those venues in the background.")
		fmt.Fprintln(stderr, "With --store chroma://HOST:PORT, searches an index published there with \"migrate --to\" and keeps nothing locally.")
		fs.PrintDefaults()
	}
	f.cfg.dataFlags(fs)
	f.cfg.openReviewFlags(fs)
	fs.stringVar(&f.addr, "addr", "ORF_ADDR", defaultAddr, "address to listen on (0.0.0.0:7860 for every interface; port 0 picks a free one)")
	fs.listVar(&f.venues, "venue", "ORF_VENUES", "venue id to crawl and embed in the background, e.g. ICLR.cc/2025/Conference")
	fs.stringVar(&f.status, "status", "ORF_STATUS", "accepted", "which papers to crawl: accepted, or all (rejected, withdrawn, desk-rejected, under review too)")
	fs.durationVar(&f.refresh, "refresh-every", "ORF_REFRESH_EVERY", 0, "crawl the venues again this often (e.g. 24h) for new and changed papers, embedding them; 0: only at start")
	fs.BoolVar(&f.noEmbed, "no-embed", false, "embed no papers in the background: semantic search covers only the papers embedded before")
	fs.intVar(&f.maxSearches, "max-searches", "ORF_MAX_SEARCHES", 2, "searches that run at once (each embeds its query with the model); others queue")
	fs.stringVar(&f.workDir, "work-dir", "ORF_WORK_DIR", "", "local directory for the live index when the data dir is a mounted bucket: the index is copied in from <data-dir>/snapshot at start and written back there, whole files only (default: the index lives in the data dir)")
	fs.stringVar(&f.indexRepo, "index-repo", "ORF_INDEX_REPO", "", "Hub dataset repo with an index snapshot (snapshot push) to start from when there is no index: USER/DATASET[@REVISION]")
	f.sf.register(fs, true, true)
	f.store.register(fs)
	pos, err := fs.parse(args)
	if err != nil {
		return flagError(err)
	}
	f.venues = append(f.venues, pos...)
	if err := f.checkStore(); err != nil {
		return err
	}
	if f.status != "accepted" && f.status != "all" {
		return usageError(fmt.Sprintf("--status must be accepted or all, not %q", f.status))
	}
	if f.indexRepo != "" {
		if _, _, err := parseIndexRepo(f.indexRepo); err != nil {
			return err
		}
	}
	if f.refresh < 0 {
		return usageError(fmt.Sprintf("--refresh-every must be 0 (off) or a positive duration such as 24h, not %s", f.refresh))
	}
	if f.maxSearches < 1 {
		return usageError(fmt.Sprintf("--max-searches must be at least 1, not %d", f.maxSearches))
	}
	return nil
}

// server is one serve run: the store, the web handler, the search engine
// it is given, and the background work that fills the index.
type server struct {
	flags   *serveFlags
	env     environ
	log     *slog.Logger
	out     io.Writer // standard output, one line per phase, safe for concurrent use
	stderr  io.Writer
	st      *store.Store   // the local index; nil with --store chroma://…
	index   *searchIndex   // what searches read: st, or Chroma
	catalog *chromaCatalog // what the page lists of Chroma; nil for st
	web     *web.Server
	encs    *encoders
	tasks   tasks
	engine  atomic.Pointer[search.Engine]
	pulled  sync.Map // "repo/file" downloaded, said once each

	catalogs  lateCatalog       // what the page lists; empty until the index is open
	persist   string            // the data directory given, where snapshots are read and written back
	writeBack bool              // the live index is elsewhere and persist can be written
	persisted snapshot.Manifest // what persist's snapshot holds (zero if none)
	snapHub   *hfhub.Client
	snapRepo  hfhub.Repo
}

// runServe listens at once, so health checks pass while the index opens and
// the model loads; keyword search works as soon as the index is open.
func runServe(ctx context.Context, args []string, env environ, stdout, stderr io.Writer) error {
	var f serveFlags
	if err := f.parse(args, env, stderr); err != nil {
		return err
	}
	log, err := f.cfg.logger(env, stderr)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", f.addr, err)
	}
	s := &server{flags: &f, env: env, log: log, out: &syncWriter{w: stdout}, stderr: stderr}
	return s.serve(ctx, ln)
}

// serve answers on ln until ctx is cancelled, then stops the background
// work (every batch is committed on its own: nothing is lost) and closes
// the index.
func (s *server) serve(ctx context.Context, ln net.Listener) error {
	s.say("listening on http://%s", listenURLHost(ln.Addr()))
	front := &gate{}
	hs := newHTTPServer(front, s.log)
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	if !s.flags.chroma {
		s.placeDirs()
	}
	if err := s.open(ctx, front); err != nil {
		hs.Close()
		return err
	}
	defer s.index.Close()

	bg, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { s.background(bg) })
	var err error
	select {
	case <-ctx.Done():
	case err = <-served:
	}
	s.say("shutting down")
	cancel()
	s.shutdown(hs)
	wg.Wait()
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve http on %s: %w", ln.Addr(), err)
	}
	return nil
}

// open puts the web handler in front at once (the page shows the start-up's
// progress), fetches a snapshot when there is no index, and opens (or
// creates) the index. The model starts loading meanwhile when the index
// comes with vectors.
func (s *server) open(ctx context.Context, front *gate) error {
	s.web = web.New(web.Config{
		Catalog: &s.catalogs, Logger: s.log.With("component", "web"), Progress: s.tasks.progress, MaxSearches: s.flags.maxSearches,
	})
	front.set(s.web)
	s.flags.sf.hub.progress = s.download
	s.encs = s.flags.sf.encoders(s.env, s.stderr)
	if s.flags.indexRepo != "" && !fileExists(s.flags.cfg.indexPath()) {
		go s.encs.query(ctx) // loaded once: loadModel then finds it ready
	}
	s.fetchIndex(ctx)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	cat, err := s.openIndex(ctx)
	if err != nil {
		return err
	}
	s.catalogs.set(cat)
	return nil
}

// listenURLHost is the address to print: an unspecified IP (what
// 0.0.0.0:7860 listens on shows as [::]:7860) reads as 0.0.0.0, the
// way the address is configured on a Space.
func listenURLHost(a net.Addr) string {
	if tcp, ok := a.(*net.TCPAddr); ok && tcp.IP.IsUnspecified() {
		return net.JoinHostPort("0.0.0.0", strconv.Itoa(tcp.Port))
	}
	return a.String()
}

// shutdown lets requests in flight finish, for at most shutdownGrace.
func (s *server) shutdown(hs *http.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := hs.Shutdown(ctx); err != nil {
		s.log.Warn("requests still running at shutdown were cut off", "err", err)
		hs.Close()
	}
}

func newHTTPServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.With("component", "http").Handler(), slog.LevelWarn),
	}
}

// checkDataDir creates the data directory if missing and checks that it
// can be written, so a bad --data-dir fails at once with the fix.
func checkDataDir(dir string) error {
	if err := writableDir(dir); err != nil {
		return fmt.Errorf("the data directory %s cannot be written (%w): pass --data-dir, or set ORF_DATA_DIR, to a directory you can write", dir, err)
	}
	return nil
}

// gate answers /healthz, and 503 to everything else, until the web
// handler is set: the index may take a while to open (migrations).
type gate struct{ h atomic.Pointer[http.Handler] }

func (g *gate) set(h http.Handler) { g.h.Store(&h) }

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h := g.h.Load(); h != nil {
		(*h).ServeHTTP(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if r.URL.Path == "/healthz" {
		io.WriteString(w, "ok\n")
		return
	}
	w.WriteHeader(http.StatusServiceUnavailable)
	io.WriteString(w, "The index is opening; try again in a moment.\n")
}

// syncWriter serialises writes from the background tasks.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}

// say writes one phase line to standard output.
func (s *server) say(format string, args ...any) {
	fmt.Fprintf(s.out, format+"\n", args...)
}

// setEngine hands the web handler a new engine; searches in flight finish
// on the old one.
func (s *server) setEngine(eng *search.Engine) {
	s.engine.Store(eng)
	s.web.SetSearcher(eng)
}

// background opens the engine for keyword search, then loads the model
// while crawling, then embeds what is new. A failed task is logged and
// shown on the page; it never stops the server.
func (s *server) background(ctx context.Context) {
	if !s.openKeyword(ctx) {
		return
	}
	loaded := make(chan struct{})
	go func() {
		defer close(loaded)
		s.loadModel(ctx)
	}()
	s.crawl(ctx)
	s.writeBackIndex(ctx)
	<-loaded
	s.embed(ctx)
	s.writeBackIndex(ctx)
	if ctx.Err() != nil {
		return
	}
	eng := s.engine.Load()
	semantic := "on"
	if err := eng.Semantic(); err != nil {
		semantic = "off: " + err.Error()
	}
	n, _ := s.count(ctx)
	s.say("ready: %d papers, %d vectors, semantic search %s", n, eng.Len(), semantic)
	s.watchChroma(ctx)
	s.refreshLoop(ctx)
}

// openKeyword opens an engine without the model: keyword search works at
// once, whatever the model is doing.
func (s *server) openKeyword(ctx context.Context) bool {
	eng, err := search.Open(ctx, s.index.st, s.searchOptions(errModelLoading))
	if err != nil {
		s.fail(ctx, "index", err)
		return false
	}
	s.setEngine(eng)
	n, err := s.count(ctx)
	if err != nil {
		s.fail(ctx, "index", err)
		return false
	}
	s.say("index open: %d papers, %d vectors", n, eng.Len())
	return true
}

func (s *server) searchOptions(unavailable error) search.Options {
	return search.Options{PaperText: embedding.PaperText, QueryUnavailable: unavailable, Vectors: s.index.vec, Logger: s.log.With("component", "search")}
}

// loadModel loads the query encoder (downloading it if needed) and swaps
// in an engine that uses it, or one that says why semantic search is off.
func (s *server) loadModel(ctx context.Context) {
	if s.flags.noEmbed {
		if _, ok, err := s.index.st.EmbeddingModel(ctx); err != nil || !ok {
			return // no vectors and none to come: the model would be no use
		}
	}
	sf := &s.flags.sf
	s.tasks.update("model", func(p *web.Progress) { p.Message = "Loading the model " + sf.model })
	s.say("loading model %s (query adapter %s)", sf.model, sf.queryAdapter)
	opts := s.searchOptions(nil)
	loadErr := s.encs.queryOptions(ctx, &opts)
	if ctx.Err() != nil {
		return
	}
	s.finish(ctx, "model", opts.QueryUnavailable)
	eng, err := search.Open(ctx, s.index.st, opts)
	if err != nil {
		s.fail(ctx, "index", err)
		return
	}
	s.setEngine(eng)
	switch sem := eng.Semantic(); {
	case sem == nil:
		s.say("semantic search on: %d vectors", eng.Len())
	case loadErr == nil && errors.Is(sem, search.ErrNoVectors) && !s.flags.noEmbed:
		s.say("model loaded; semantic search starts as papers get their vectors")
	default:
		s.say("semantic search off: %v", semanticHelp(sem, sf))
	}
}

// download shows the model's download on the page, and each finished file
// on standard output.
func (s *server) download(p hfhub.Progress) {
	const mb = 1e6
	msg := fmt.Sprintf("Downloading %s/%s", p.Repo, p.File)
	if p.Total > 0 {
		msg += fmt.Sprintf(": %.0f of %.0f MB", float64(p.Done)/mb, float64(p.Total)/mb)
	}
	s.tasks.update("model", func(t *web.Progress) {
		t.Message, t.Done, t.Total = msg, int(p.Done), int(max(p.Total, 0))
	})
	if p.Total < 0 || p.Done < p.Total {
		return
	}
	if _, said := s.pulled.LoadOrStore(p.Repo+"/"+p.File, true); !said {
		s.say("downloaded %s/%s (%.1f MB)", p.Repo, p.File, float64(p.Done)/mb)
	}
}
