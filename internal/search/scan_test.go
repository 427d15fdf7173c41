package search

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/openreview-finder/openreview-finder/internal/tensor"
)

// synthIndex builds an index of n random unit vectors without a store.
// Every tenth row repeats the row before it, so ties are common.
func synthIndex(n, dim int, seed uint64) *index {
	rng := rand.New(rand.NewPCG(seed, 9))
	ix := &index{dim: dim, byID: map[string]int32{}}
	ix.grow(n)
	var prev []byte
	for r := range n {
		v := make([]float32, dim)
		for j := range v {
			v[j] = float32(rng.NormFloat64())
		}
		data := EncodeF16(v)
		if r%10 == 9 {
			data = prev
		}
		prev = data
		id := fmt.Sprintf("r%d", r)
		ix.byID[id] = int32(r)
		ix.ids = append(ix.ids, id)
		for j := range dim {
			ix.rows = append(ix.rows, uint16(data[2*j])|uint16(data[2*j+1])<<8)
		}
	}
	return ix
}

// bruteTopK ranks in float64 over the decoded float16 vectors, the
// reference topK must agree with.
func bruteTopK(ix *index, q []float32, mask []bool, skip, k int) []int32 {
	type scored struct {
		row   int32
		score float64
	}
	var all []scored
	for r := range ix.Len() {
		if r == skip || mask != nil && !mask[r] {
			continue
		}
		var s float64
		for j, h := range ix.rows[r*ix.dim : (r+1)*ix.dim] {
			s += float64(tensor.F16ToF32(h)) * float64(q[j])
		}
		all = append(all, scored{int32(r), s})
	}
	slices.SortStableFunc(all, func(a, b scored) int { return -cmpFloat64(a.score, b.score) })
	out := []int32{}
	for _, s := range all[:min(k, len(all))] {
		out = append(out, s.row)
	}
	return out
}

func randomMask(rng *rand.Rand, n int, p float64) []bool {
	m := make([]bool, n)
	for i := range m {
		m[i] = rng.Float64() < p
	}
	return m
}

func randomQuery(rng *rand.Rand, dim int) []float32 {
	q := make([]float32, dim)
	for j := range q {
		q[j] = float32(rng.NormFloat64())
	}
	q, _ = normalize(q)
	return q
}

func TestTopKMatchesBruteForce(t *testing.T) {
	for _, n := range []int{5, 1000, 20000} { // 20000 rows scan in parallel
		ix := synthIndex(n, 48, uint64(n))
		rng := rand.New(rand.NewPCG(uint64(n), 3))
		span := make([]bool, n)
		for r := n / 3; r < n/2; r++ {
			span[r] = true
		}
		masks := []struct {
			name string
			mask []bool
		}{
			{"no filter", nil},
			{"half", randomMask(rng, n, 0.5)},
			{"3%", randomMask(rng, n, 0.03)},
			{"one span", span},
			{"nothing", make([]bool, n)},
		}
		for _, m := range masks {
			for _, k := range []int{1, 10, 100} {
				for _, skip := range []int{-1, n / 3} {
					t.Run(fmt.Sprintf("n=%d/%s/k=%d/skip=%d", n, m.name, k, skip), func(t *testing.T) {
						q := randomQuery(rng, ix.dim)
						want := bruteTopK(ix, q, m.mask, skip, k)
						got := []int32{}
						for _, h := range ix.topK(q, m.mask, skip, k) {
							got = append(got, h.row)
						}
						if diff := cmp.Diff(want, got); diff != "" {
							t.Errorf("top %d rows (-want +got):\n%s", k, diff)
						}
					})
				}
			}
		}
	}
}

// TestScoresAndRanks checks the explanation's exact ranks: 1 + the number
// of passing rows scoring strictly higher.
func TestScoresAndRanks(t *testing.T) {
	ix := synthIndex(3000, 32, 7)
	rng := rand.New(rand.NewPCG(7, 7))
	q := randomQuery(rng, 32)
	mask := randomMask(rng, ix.Len(), 0.4)
	all, sorted := ix.scores(q, mask)
	for r := range ix.Len() {
		if !mask[r] {
			continue
		}
		var ref float64
		for j := range ix.dim {
			ref += float64(tensor.F16ToF32(ix.rows[r*ix.dim+j])) * float64(q[j])
		}
		if math.Abs(float64(all[r])-ref) > 1e-5 {
			t.Fatalf("row %d: score %v, float64 reference %v", r, all[r], ref)
		}
		higher := 0
		for o := range ix.Len() {
			if mask[o] && all[o] > all[r] {
				higher++
			}
		}
		if got := rankOf(sorted, all[r]); got != higher+1 {
			t.Fatalf("row %d: rank %d, want %d", r, got, higher+1)
		}
	}
}

func TestRankOf(t *testing.T) {
	sorted := []float32{0.9, 0.8, 0.8, 0.5}
	tests := []struct {
		s    float32
		want int
	}{{1, 1}, {0.9, 1}, {0.85, 2}, {0.8, 2}, {0.5, 4}, {0.1, 5}}
	for _, tt := range tests {
		if got := rankOf(sorted, tt.s); got != tt.want {
			t.Errorf("rankOf(%v, %v) = %d, want %d", sorted, tt.s, got, tt.want)
		}
	}
}

func TestEncodeF16(t *testing.T) {
	v := []float32{3, 4, 0, -12}
	data := EncodeF16(v)
	if len(data) != 2*len(v) {
		t.Fatalf("%d bytes for %d numbers, want %d", len(data), len(v), 2*len(v))
	}
	var got []float32
	for j := 0; j < len(data); j += 2 {
		got = append(got, tensor.F16ToF32(uint16(data[j])|uint16(data[j+1])<<8))
	}
	want := []float32{3.0 / 13, 4.0 / 13, 0, -12.0 / 13}
	for j := range want {
		if math.Abs(float64(got[j]-want[j])) > 1e-3 {
			t.Errorf("encoded %v decodes as %v, want about %v (unit length, little-endian float16)", v, got, want)
			break
		}
	}
	zero := EncodeF16(make([]float32, 3))
	if diff := cmp.Diff(make([]byte, 6), zero); diff != "" {
		t.Errorf("zero vector (-want +got):\n%s", diff)
	}
}
