package search

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/store"
)

// Similar returns the limit papers nearest to paper idOrURL (an id, or an
// OpenReview forum or pdf URL) among those passing f, by cosine similarity
// of the stored vectors, leaving the paper itself out. An unknown paper is
// an error wrapping paper.ErrNotFound; a paper without a vector yet, one
// wrapping ErrNotEmbedded. Stored vectors are compared with each other, so
// no encoder is needed.
func (e *Engine) Similar(ctx context.Context, idOrURL string, limit int, f store.Filter) ([]Result, error) {
	id, err := PaperID(idOrURL)
	if err != nil {
		return nil, fmt.Errorf("similar papers: %w", err)
	}
	out, err := e.similar(ctx, id, clampLimit(limit), f)
	if err != nil {
		return nil, fmt.Errorf("papers similar to %s: %w", id, err)
	}
	return out, nil
}

func (e *Engine) similar(ctx context.Context, id string, limit int, f store.Filter) ([]Result, error) {
	if e.opts.Vectors != nil {
		return e.remoteSimilar(ctx, id, limit, f)
	}
	ix := e.idx.Load()
	r, ok := ix.byID[id]
	if !ok {
		if _, err := e.st.Paper(ctx, id); errors.Is(err, paper.ErrNotFound) {
			return nil, fmt.Errorf("no paper %q in the index: %w", id, paper.ErrNotFound)
		} else if err != nil {
			return nil, err
		}
		if ix.Len() == 0 {
			return nil, ix.semantic // why there are no vectors
		}
		return nil, ErrNotEmbedded
	}
	q, err := normalize(ix.vector(int(r)))
	if err != nil {
		return nil, fmt.Errorf("stored vector: %w", err)
	}
	mask, err := e.rows(ctx, ix, f)
	if err != nil {
		return nil, err
	}
	return e.results(ctx, ix.neighbors(ix.topK(q, mask, int(r), limit)))
}

// SimilarText returns the limit papers passing f nearest to a paper that is
// not in the index, given its title and abstract, embedded with
// Options.Paper.
func (e *Engine) SimilarText(ctx context.Context, title, abstract string, limit int, f store.Filter) ([]Result, error) {
	out, err := e.similarText(ctx, title, abstract, clampLimit(limit), f)
	if err != nil {
		return nil, fmt.Errorf("papers similar to %.80q: %w", title, err)
	}
	return out, nil
}

func (e *Engine) similarText(ctx context.Context, title, abstract string, limit int, f store.Filter) ([]Result, error) {
	if strings.TrimSpace(title) == "" && strings.TrimSpace(abstract) == "" {
		return nil, fmt.Errorf("give a title or an abstract: %w", paper.ErrInvalid)
	}
	if e.opts.Paper == nil || e.opts.PaperText == nil {
		return nil, fmt.Errorf("the paper model is not loaded: %w", ErrNoModel)
	}
	ix := e.idx.Load()
	if ix.Len()+ix.count == 0 {
		return nil, ix.semantic
	}
	if err := ix.compatible(e.opts.Model); err != nil {
		return nil, err
	}
	q, err := embedOne(ctx, e.opts.Paper, ix.dim, e.opts.PaperText(title, abstract))
	if err != nil {
		return nil, err
	}
	if e.opts.Vectors != nil {
		return e.nearest(ctx, q, limit, f, "")
	}
	mask, err := e.rows(ctx, ix, f)
	if err != nil {
		return nil, err
	}
	return e.results(ctx, ix.neighbors(ix.topK(q, mask, -1, limit)))
}

// PaperID returns the paper id s names: s itself, or the id parameter of an
// OpenReview forum or pdf URL ("https://openreview.net/forum?id=X&noteId=Y"
// names X; the scheme may be left out). Anything else wraps
// paper.ErrInvalid.
func PaperID(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fmt.Errorf("give a paper id or an OpenReview forum URL: %w", paper.ErrInvalid)
	}
	if !strings.ContainsAny(s, "/?") {
		return s, nil
	}
	raw := s
	if !strings.Contains(s, "://") {
		raw = "https://" + s
	}
	u, err := url.Parse(raw)
	bad := fmt.Errorf("%q is neither a paper id nor an OpenReview forum or pdf URL: %w", s, paper.ErrInvalid)
	if err != nil {
		return "", bad
	}
	host := strings.ToLower(u.Hostname())
	if host != "openreview.net" && !strings.HasSuffix(host, ".openreview.net") {
		return "", bad
	}
	if p := strings.Trim(u.Path, "/"); p != "forum" && p != "pdf" {
		return "", bad
	}
	id := strings.TrimSpace(u.Query().Get("id"))
	if id == "" {
		return "", bad
	}
	return id, nil
}
