//go:build !cgo

package tensor

var (
	defaultGemm gemmFunc = goGemm
	backends             = []backend{{name: "go", gemm: goGemm}}
)

// Without OpenBLAS, products are always split over goroutines.

func blasThreadsPay(int, int, int) bool { return false }

func blasThreaded(int, bool, float32, Mat, Mat, float32, Mat) bool { return false }

// Backend names the matrix-product engine: "go" (this build) or "openblas".
func Backend() string { return "go" }

// BLASCore names the OpenBLAS kernel set in use; "" in this pure-Go build.
func BLASCore() string { return "" }

// BackendInfo describes the engine in one line for logs.
func BackendInfo() string {
	return "pure Go (built with CGO_ENABLED=0; build with cgo and libopenblas-dev for ~30x faster products)"
}

// quietBLAS has no OpenBLAS pool to stop.
func quietBLAS() {}
