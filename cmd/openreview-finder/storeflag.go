package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/chroma"
	"github.com/openreview-finder/openreview-finder/internal/chromastore"
	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/search"
	"github.com/openreview-finder/openreview-finder/internal/store"
	"github.com/openreview-finder/openreview-finder/internal/web"
)

// storeFlag is --store: where search, similar and serve find the index.
// The local SQLite index is the default and where crawls land; a Chroma
// server holds an index published there with "migrate --to", for serving
// from several machines.
type storeFlag struct{ url string }

func (s *storeFlag) register(fs *flagSet) {
	fs.stringVar(&s.url, "store", "ORF_STORE", "", `where the index is searched: sqlite (the default: the local index under --data-dir) or chroma://HOST:PORT[/TENANT/DATABASE] (chromas:// for https) for one published with "migrate --to"; the token comes from CHROMA_TOKEN`)
}

// chroma reports whether the flag names a Chroma server, checking its form
// so that a typo is a usage error before anything is opened.
func (s *storeFlag) chroma() (bool, error) {
	u := strings.TrimSpace(s.url)
	if u == "" || strings.EqualFold(u, "sqlite") {
		return false, nil
	}
	if _, _, _, err := chroma.ParseURL(u); err != nil {
		return false, usageError(fmt.Sprintf("--store must be sqlite or a Chroma server such as chroma://localhost:8000: %v", err))
	}
	return true, nil
}

// chromaClient returns a client for a Chroma URL. The token comes only from
// CHROMA_TOKEN, never from a flag, so it stays out of shell history and
// process lists; the client never puts it in an error.
func chromaClient(rawURL string, env environ) (*chroma.Client, error) {
	c, err := chroma.New(chroma.Config{URL: strings.TrimSpace(rawURL), Token: env.getenv("CHROMA_TOKEN")})
	if err != nil {
		return nil, usageError(err.Error())
	}
	return c, nil
}

// openChroma opens the one index collection of c's database, whatever its
// model: search and serve learn the model from it.
func openChroma(ctx context.Context, c *chroma.Client) (*chromastore.Store, error) {
	return chromastore.OpenAny(ctx, c) // its errors name the server
}

// searchIndex is where search and similar read: the local index, whose
// vectors the engine loads into memory, or Chroma, which holds the vectors
// and answers both legs of a search itself (its keyword leg is BM25
// computed over the papers whose text holds the query's words).
type searchIndex struct {
	st    search.Store
	vec   search.Nearest // nil: the vectors are st's
	close func() error
}

func (ix *searchIndex) Close() error {
	if ix.close == nil {
		return nil
	}
	return ix.close()
}

// open opens the index --store names, never creating one.
func (s *storeFlag) open(ctx context.Context, cfg *config, env environ) (*searchIndex, error) {
	remote, err := s.chroma()
	if err != nil {
		return nil, err
	}
	if remote {
		c, err := chromaClient(s.url, env)
		if err != nil {
			return nil, err
		}
		cs, err := openChroma(ctx, c)
		if err != nil {
			return nil, err
		}
		return &searchIndex{st: cs, vec: cs}, nil
	}
	st, err := openIndex(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &searchIndex{st: st, close: st.Close}, nil
}

// checkStore refuses what serve cannot do over Chroma: it holds no index
// of its own, so it crawls and embeds nothing (migrate publishes both).
func (f *serveFlags) checkStore() error {
	var err error
	if f.chroma, err = f.store.chroma(); err != nil || !f.chroma {
		return err
	}
	if len(f.venues) > 0 {
		return usageError("serve --store chroma://… only searches and crawls nothing: crawl into the local index with index, then migrate --to")
	}
	f.noEmbed = true
	return nil
}

// openIndex opens what serve searches, the local index (created when
// missing) or Chroma, and returns what the page lists.
func (s *server) openIndex(ctx context.Context) (web.Catalog, error) {
	if s.flags.chroma {
		c, err := chromaClient(s.flags.store.url, s.env)
		if err != nil {
			return nil, err
		}
		cs, err := openChroma(ctx, c)
		if err != nil {
			return nil, err
		}
		s.index = &searchIndex{st: cs, vec: cs}
		s.catalog = &chromaCatalog{Store: cs}
		s.say("counting the papers of %s in %s", cs.Collection(), c.URL())
		return s.catalog, s.catalog.refresh(ctx)
	}
	st, err := store.Open(ctx, s.flags.cfg.indexPath())
	if err != nil {
		return nil, err
	}
	s.st, s.index = st, &searchIndex{st: st, close: st.Close}
	return st, nil
}

// count is the number of papers searched: over Chroma, those with a vector,
// as migrate publishes no others.
func (s *server) count(ctx context.Context) (int, error) {
	if s.st != nil {
		return s.st.Count(ctx)
	}
	return s.index.vec.VectorCount(ctx)
}

// catalogRefresh is how often serve counts a Chroma index's papers again,
// for the page's filters, and re-reads its number of vectors: migrate may
// have added papers meanwhile. Searches see new papers at once.
const catalogRefresh = 10 * time.Minute

// chromaCatalog is what the page lists of an index in Chroma. Counting
// papers per venue and status means reading every paper's fields, which
// Chroma cannot group, so it is done when serve starts and then every
// catalogRefresh in the background (see watchChroma), never per request.
type chromaCatalog struct {
	*chromastore.Store // Paper

	mu     sync.Mutex
	counts []store.Count
	venues []paper.Venue
}

func (c *chromaCatalog) Stats(context.Context) ([]store.Count, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts, nil
}

func (c *chromaCatalog) Venues(context.Context) ([]paper.Venue, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.venues, nil
}

// countBatch is how many papers one read of the count brings.
const countBatch = 2000

// refresh counts the papers per venue, year and status.
func (c *chromaCatalog) refresh(ctx context.Context) error {
	ids, err := c.FilterIDs(ctx, store.Filter{})
	if err != nil {
		return fmt.Errorf("count papers: %w", err)
	}
	groups := map[store.Count]int{}
	venues := map[string]paper.Venue{}
	for start := 0; start < len(ids); start += countBatch {
		ps, err := c.Papers(ctx, ids[start:min(start+countBatch, len(ids))])
		if err != nil {
			return fmt.Errorf("count papers: %w", err)
		}
		for _, p := range ps {
			groups[store.Count{VenueID: p.VenueID, Venue: p.Venue, Year: p.Year, Status: p.Status, Presentation: p.Presentation}]++
			venues[p.VenueID] = paper.Venue{ID: p.VenueID, Label: p.Venue, Year: p.Year}
		}
	}
	counts := make([]store.Count, 0, len(groups))
	for g, n := range groups {
		g.Papers = n
		counts = append(counts, g)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts, c.venues = counts, slices.Collect(maps.Values(venues))
	return nil
}

// watchChroma keeps what serve knows of a Chroma index current until ctx
// ends: the counts the page shows and the engine's number of vectors.
func (s *server) watchChroma(ctx context.Context) {
	if s.catalog == nil {
		return
	}
	tick := time.NewTicker(catalogRefresh)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if err := s.catalog.refresh(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("count the papers in Chroma", "err", err)
		}
		s.reload(ctx)
	}
}
