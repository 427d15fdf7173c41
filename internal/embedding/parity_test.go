package embedding

import (
	"bufio"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// The fixtures: tiny random BERTs in the Hub's formats and reference
// outputs from an independent plain-torch implementation
// (scripts/fixtures/).
var fixtures = filepath.Join("..", "..", "testdata", "models")

type manifest struct {
	Cases []struct {
		Name, Model, Tokens, Expected string
		Adapter                       *string
	}
}

type expectedLine struct {
	Index int       `json:"index"`
	IDs   []int     `json:"ids"`
	CLS   []float32 `json:"cls"`
	Mean  []float32 `json:"mean"`
}

type tokensLine struct {
	Text string `json:"text"`
	IDs  []int  `json:"ids"`
}

func readJSONL[T any](t *testing.T, path string) []T {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func readManifest(t *testing.T) manifest {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(fixtures, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Cases) == 0 {
		t.Fatal("manifest lists no cases")
	}
	return m
}

// closeness is cosine similarity and largest absolute difference.
func closeness(a, b []float32) (cos, maxDiff float64) {
	var dot, na, nb float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		dot += x * y
		na += x * x
		nb += y * y
		maxDiff = max(maxDiff, math.Abs(x-y))
	}
	return dot / math.Sqrt(na*nb), maxDiff
}

// TestParity checks every fixture text, end to end from the raw text:
// identical token ids, then CLS and mean vectors within cosine ≥ 0.99999
// and largest absolute difference ≤ 1e-4 of the reference.
func TestParity(t *testing.T) {
	for _, c := range readManifest(t).Cases {
		t.Run(c.Name, func(t *testing.T) {
			var reg Registry
			adapter := ""
			if c.Adapter != nil {
				adapter = filepath.Join(fixtures, *c.Adapter)
			}
			modelDir := filepath.Join(fixtures, c.Model)
			cls, err := reg.Encoder(modelDir, adapter, Options{Pooling: PoolCLS})
			if err != nil {
				t.Fatal(err)
			}
			mean, err := reg.Encoder(modelDir, adapter, Options{Pooling: PoolMean})
			if err != nil {
				t.Fatal(err)
			}
			toks := readJSONL[tokensLine](t, filepath.Join(fixtures, c.Tokens))
			want := readJSONL[expectedLine](t, filepath.Join(fixtures, c.Expected))
			texts := make([]string, len(want))
			for i, w := range want {
				texts[i] = toks[w.Index].Text
				if got := cls.Tokenizer().Encode(texts[i]); !slices.Equal(got, w.IDs) {
					t.Errorf("text %d: token ids differ from the reference:\n got %v\nwant %v", w.Index, got, w.IDs)
				}
			}
			gotCLS, err := cls.Embed(t.Context(), texts)
			if err != nil {
				t.Fatal(err)
			}
			gotMean, err := mean.Embed(t.Context(), texts)
			if err != nil {
				t.Fatal(err)
			}
			worst := 0.0
			for i, w := range want {
				for _, pair := range []struct {
					name      string
					got, want []float32
				}{{"cls", gotCLS[i], w.CLS}, {"mean", gotMean[i], w.Mean}} {
					cos, diff := closeness(pair.got, pair.want)
					worst = max(worst, diff)
					if cos < 0.99999 || diff > 1e-4 {
						t.Errorf("text %d %s: cosine %.7f, max abs diff %.2g (want ≥ 0.99999 and ≤ 1e-4)", w.Index, pair.name, cos, diff)
					}
				}
			}
			t.Logf("%d texts, largest absolute difference %.2g", len(want), worst)
		})
	}
}

// TestBatchingIsInvisible checks that a text's vector does not depend on
// what else is in its batch, or on the batch size.
func TestBatchingIsInvisible(t *testing.T) {
	var reg Registry
	dir := filepath.Join(fixtures, "tiny-bin")
	toks := readJSONL[tokensLine](t, filepath.Join(fixtures, "tokens.jsonl"))
	var texts []string
	for _, l := range toks {
		texts = append(texts, l.Text)
	}
	one, err := reg.Encoder(dir, filepath.Join(fixtures, "tiny-bin-adapter-proximity"), Options{BatchTokens: 1})
	if err != nil {
		t.Fatal(err)
	}
	all, err := reg.Encoder(dir, filepath.Join(fixtures, "tiny-bin-adapter-proximity"), Options{BatchTokens: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	a, err := one.Embed(t.Context(), texts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := all.Embed(t.Context(), texts)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a {
		if _, diff := closeness(a[i], b[i]); diff > 1e-5 {
			t.Errorf("text %d: batched alone and all together differ by %.2g", i, diff)
		}
	}
}
