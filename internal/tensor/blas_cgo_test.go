//go:build cgo

package tensor

import (
	"os"
	"strings"
	"testing"
)

// TestBLASCore fails when OpenBLAS runs kernels narrower than the CPU can:
// half or less of the speed, silently. An OPENBLAS_CORETYPE in the
// environment is a deliberate choice the package respects, so then the test
// only reports.
func TestBLASCore(t *testing.T) {
	if Backend() != "openblas" {
		t.Fatalf("Backend() = %q in a cgo build", Backend())
	}
	core := BLASCore()
	t.Logf("%s", BackendInfo())
	info, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		t.Skipf("no /proc/cpuinfo: %v", err)
	}
	flags := ""
	for line := range strings.Lines(string(info)) {
		if strings.HasPrefix(line, "flags") {
			flags = line + " "
			break
		}
	}
	var want map[string]bool
	switch {
	case strings.Contains(flags, " avx512f ") && strings.Contains(flags, " avx512vl ") &&
		strings.Contains(flags, " avx512bw ") && strings.Contains(flags, " avx512dq "):
		want = map[string]bool{"SkylakeX": true, "Cooperlake": true, "SapphireRapids": true}
	case strings.Contains(flags, " avx2 ") && strings.Contains(flags, " fma "):
		want = map[string]bool{"Haswell": true, "Zen": true, "SkylakeX": true, "Cooperlake": true, "SapphireRapids": true}
	default:
		t.Skipf("CPU without AVX2; kernels %s", core)
	}
	if want[core] {
		return
	}
	if env, ok := os.LookupEnv("OPENBLAS_CORETYPE"); ok {
		t.Skipf("OPENBLAS_CORETYPE=%q selects %s kernels, slower than this CPU allows; unset it", env, core)
	}
	t.Errorf("OpenBLAS kernels %s on a CPU with %v-class vectors", core, keys(want))
}

func keys(m map[string]bool) []string {
	var s []string
	for k := range m {
		s = append(s, k)
	}
	return s
}
