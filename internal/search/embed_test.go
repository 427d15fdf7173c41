package search

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/store"
)

// storedVectors maps each paper id to its stored blob.
func storedVectors(t *testing.T, st *store.Store) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := st.ScanVectors(t.Context(), func(r store.VectorRow) error {
		out[r.ID] = slices.Clone(r.Data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// wantVectors is what embedding papers with enc should store.
func wantVectors(enc *fakeEmbedder, papers []paper.Paper) map[string][]byte {
	out := map[string][]byte{}
	for _, p := range papers {
		out[p.ID] = EncodeF16(enc.vector(testPaperText(p.Title, p.Abstract)))
	}
	return out
}

func embedOpts(batch int) EmbedOptions {
	return EmbedOptions{Batch: batch, PaperText: testPaperText}
}

func TestEmbedPapers(t *testing.T) {
	papers := corpus(50, 20)
	st := openStore(t, papers...)
	if err := st.SetEmbeddingModel(t.Context(), testModel, false); err != nil {
		t.Fatal(err)
	}
	enc := newFake()
	var progress [][2]int
	opts := embedOpts(8)
	opts.Progress = func(done, total int) { progress = append(progress, [2]int{done, total}) }
	stats, err := EmbedPapers(t.Context(), st, enc, opts)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Embedded != 50 || stats.Unchanged != 0 {
		t.Errorf("first run: %+v, want 50 embedded", stats)
	}
	if diff := cmp.Diff(wantVectors(enc, papers), storedVectors(t, st)); diff != "" {
		t.Errorf("stored vectors (-want +got):\n%s", diff)
	}
	wantProgress := [][2]int{{8, 50}, {16, 50}, {24, 50}, {32, 50}, {40, 50}, {48, 50}, {50, 50}}
	if diff := cmp.Diff(wantProgress, progress); diff != "" {
		t.Errorf("progress (-want +got):\n%s", diff)
	}

	again, err := EmbedPapers(t.Context(), st, enc, embedOpts(8))
	if err != nil {
		t.Fatal(err)
	}
	if again.Embedded != 0 || again.Unchanged != 0 || len(enc.embedded()) != 50 {
		t.Errorf("second run: %+v after %d texts embedded in all; want nothing done", again, len(enc.embedded()))
	}
}

// TestEmbedOnlyChangedText: a paper whose abstract changed is embedded
// again; one modified without a change to its text keeps its vector.
func TestEmbedOnlyChangedText(t *testing.T) {
	papers := corpus(30, 21)
	st := openStore(t, papers...)
	enc := newFake()
	embedAll(t, st, enc)
	before := len(enc.embedded())

	changed, touched := papers[4], papers[11]
	changed.Abstract += " with a new result"
	changed.Modified = changed.Modified.Add(time.Hour)
	touched.Keywords = append(touched.Keywords, "new keyword") // not embedded text
	touched.Modified = touched.Modified.Add(time.Hour)
	commitPapers(t, st, changed, touched)
	papers[4], papers[11] = changed, touched

	stats, err := EmbedPapers(t.Context(), st, enc, embedOpts(8))
	if err != nil {
		t.Fatal(err)
	}
	if stats.Embedded != 1 || stats.Unchanged != 1 {
		t.Errorf("stats %+v, want 1 embedded and 1 unchanged", stats)
	}
	if diff := cmp.Diff([]string{testPaperText(changed.Title, changed.Abstract)}, enc.embedded()[before:]); diff != "" {
		t.Errorf("texts embedded (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantVectors(enc, papers), storedVectors(t, st)); diff != "" {
		t.Errorf("stored vectors (-want +got):\n%s", diff)
	}
	if n, err := st.CountPendingEmbeddings(t.Context()); err != nil || n != 0 {
		t.Errorf("%d papers still pending (%v), want 0: the unchanged paper's modified time must be saved", n, err)
	}
}

// TestEmbedResumes cancels a run part-way, at a batch boundary and inside
// an encoder call, and checks that a second run completes it, embedding at
// most one batch twice.
func TestEmbedResumes(t *testing.T) {
	const n, batch = 40, 6
	tests := []struct {
		name   string
		cancel func(cancel context.CancelFunc, enc *fakeEmbedder, opts *EmbedOptions)
	}{
		{"between batches", func(cancel context.CancelFunc, _ *fakeEmbedder, opts *EmbedOptions) {
			opts.Progress = func(done, _ int) {
				if done >= 3*batch {
					cancel()
				}
			}
		}},
		{"inside a batch", func(cancel context.CancelFunc, enc *fakeEmbedder, _ *EmbedOptions) {
			calls := 0
			enc.fail = func([]string) ([][]float32, error) {
				if calls++; calls == 4 {
					cancel() // as a signal would, while the encoder runs: its work is lost
				}
				return nil, nil
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			papers := corpus(n, 22)
			st := openStore(t, papers...)
			if err := st.SetEmbeddingModel(t.Context(), testModel, false); err != nil {
				t.Fatal(err)
			}
			enc := newFake()
			opts := embedOpts(batch)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			tt.cancel(cancel, enc, &opts)
			first, err := EmbedPapers(ctx, st, enc, opts)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled run: %v, want context.Canceled", err)
			}
			if stored := len(storedVectors(t, st)); stored != first.Embedded || stored == 0 || stored == n {
				t.Fatalf("cancelled run stored %d vectors and reported %d; want the same, part of %d", stored, first.Embedded, n)
			}
			enc.fail = nil
			second, err := EmbedPapers(t.Context(), st, enc, embedOpts(batch))
			if err != nil {
				t.Fatal(err)
			}
			if first.Embedded+second.Embedded != n {
				t.Errorf("runs embedded %d + %d papers, want %d", first.Embedded, second.Embedded, n)
			}
			if calls := len(enc.embedded()); calls > n+batch {
				t.Errorf("encoder embedded %d texts for %d papers, more than one batch (%d) too many", calls, n, batch)
			}
			if diff := cmp.Diff(wantVectors(enc, papers), storedVectors(t, st)); diff != "" {
				t.Errorf("stored vectors (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEmbedBadEncoder: an encoder returning vectors of the wrong length or
// number fails the run and nothing of that batch is saved.
func TestEmbedBadEncoder(t *testing.T) {
	tests := []struct {
		name string
		out  func(texts []string) [][]float32
	}{
		{"short vector", func(texts []string) [][]float32 {
			out := make([][]float32, len(texts))
			for i := range out {
				out[i] = unit(1)
			}
			out[len(out)-1] = out[len(out)-1][:testDim-1]
			return out
		}},
		{"missing vector", func(texts []string) [][]float32 {
			out := make([][]float32, len(texts)-1)
			for i := range out {
				out[i] = unit(1)
			}
			return out
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := openStore(t, corpus(20, 23)...)
			if err := st.SetEmbeddingModel(t.Context(), testModel, false); err != nil {
				t.Fatal(err)
			}
			enc := newFake()
			calls := 0
			enc.fail = func(texts []string) ([][]float32, error) {
				if calls++; calls == 2 {
					return tt.out(texts), nil
				}
				return nil, nil
			}
			stats, err := EmbedPapers(t.Context(), st, enc, embedOpts(5))
			if err == nil {
				t.Fatal("a bad encoder output was accepted")
			}
			if got := len(storedVectors(t, st)); got != 5 || stats.Embedded != 5 {
				t.Errorf("%d vectors stored, %d reported; want only the first batch's 5", got, stats.Embedded)
			}
		})
	}
}

func TestEmbedNeedsPaperText(t *testing.T) {
	st := openStore(t, corpus(3, 24)...)
	if _, err := EmbedPapers(t.Context(), st, newFake(), EmbedOptions{}); err == nil {
		t.Error("EmbedPapers without PaperText succeeded")
	}
}
