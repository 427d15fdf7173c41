package tensor

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// maxThreads bounds SetThreads; it also sizes the per-call completion
// channels, so a call never blocks on them.
const maxThreads = 256

var (
	threads atomic.Int32
	// queue holds chunks waiting for a worker. Sends never block (a full
	// queue means the sender runs the chunk itself) and a caller waiting for
	// its chunks runs queued ones meanwhile, so nested and concurrent calls
	// cannot deadlock.
	queue     = make(chan job, 4*maxThreads)
	workersMu sync.Mutex
	workers   atomic.Int32
	donePool  = sync.Pool{New: func() any { return make(chan any, 4*maxThreads) }}
)

func init() { threads.Store(int32(runtime.GOMAXPROCS(0))) }

// SetThreads sets how many goroutines MatMulT, MatMulTBias, MatMul and
// Parallel split their work across. n < 1 means runtime.GOMAXPROCS(0), the
// default. It is safe to call at any time; calls already running keep the
// count they started with.
func SetThreads(n int) {
	if n < 1 {
		n = runtime.GOMAXPROCS(0)
	}
	threads.Store(int32(min(n, maxThreads)))
}

// Threads reports the count set by SetThreads.
func Threads() int { return int(threads.Load()) }

// Parallel calls fn over [0, n) cut into contiguous ranges [lo, hi), spread
// over Threads() goroutines (the caller's among them), and returns when all
// are done. A panic in fn is re-raised on the caller. fn must be safe to run
// concurrently on disjoint ranges.
func Parallel(n int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	t := Threads()
	// A few ranges per thread even out a core that is busy with other work.
	forChunks(funcTask(fn), n, 1, min(n, 4*t), t)
}

// task is a unit of splittable work; gemmTask implements it without the
// allocation a closure would need.
type task interface{ run(lo, hi int) }

type funcTask func(lo, hi int)

func (f funcTask) run(lo, hi int) { f(lo, hi) }

type job struct {
	t      task
	lo, hi int
	done   chan any
}

// exec runs the job and reports to its caller: nil, or the panic value.
func (j job) exec() {
	defer func() { j.done <- recover() }()
	j.t.run(j.lo, j.hi)
}

// forChunks runs t over [0, n) in `chunks` ranges whose bounds are multiples
// of grain, using up to `threads` goroutines.
func forChunks(t task, n, grain, chunks, threads int) {
	units := (n + grain - 1) / grain
	chunks = min(chunks, units)
	if chunks <= 1 || threads <= 1 {
		t.run(0, n)
		return
	}
	quietBLAS()
	ensureWorkers(threads - 1)
	done := donePool.Get().(chan any)
	sent, lo := 0, 0
	for c := 1; c < chunks; c++ {
		hi := c * units / chunks * grain
		select {
		case queue <- job{t: t, lo: lo, hi: hi, done: done}:
			sent++
		default:
			t.run(lo, hi)
		}
		lo = hi
	}
	t.run(lo, n)
	var failure any
	for sent > 0 {
		select {
		case v := <-done:
			sent--
			if v != nil && failure == nil {
				failure = v
			}
		case j := <-queue:
			j.exec()
		}
	}
	donePool.Put(done)
	if failure != nil {
		panic(failure) // the worker's stack is gone; the value survives
	}
}

// ensureWorkers starts workers until at least n run. Workers live for the
// life of the process, parked on the queue when idle.
func ensureWorkers(n int) {
	if int(workers.Load()) >= n {
		return
	}
	workersMu.Lock()
	defer workersMu.Unlock()
	for int(workers.Load()) < n {
		workers.Add(1)
		go func() {
			for j := range queue {
				j.exec()
			}
		}()
	}
}
