package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/hfhub/hubtest"

	"github.com/openreview-finder/openreview-finder/bench/internal/machine"
)

// sample is one start. Times are seconds since the process started; 0
// means not reached.
type sample struct {
	Kind      string  `json:"kind"`
	Run       int     `json:"run"`
	HealthzS  float64 `json:"healthz_s"`  // first /healthz 200
	SnapshotS float64 `json:"snapshot_s"` // the "index snapshot: … pulled and verified" line
	PullS     float64 `json:"pull_s"`     // how long that line says the pull took
	KeywordS  float64 `json:"keyword_s"`  // first keyword search with results
	ModelS    float64 `json:"model_s"`    // the "semantic search on" line: model loaded
	SemanticS float64 `json:"semantic_s"` // first semantic search with results: the target
	ReadyS    float64 `json:"ready_s"`    // the "ready:" line
	StopS     float64 `json:"stop_s"`     // SIGTERM to exit
	HubMB     float64 `json:"hub_mb"`     // what the fake Hub and its CDN sent
	// PeakRSSMiB and CPUS are the server's (VmHWM before SIGTERM; user and
	// system time, start to exit); -1 where the process is podman's client.
	PeakRSSMiB float64 `json:"peak_rss_mib"`
	CPUS       float64 `json:"cpu_s"`
	// Others is how many cores other processes kept busy meanwhile, the
	// server and the fake Hub not counted; -1 when the server's CPU time
	// is unknown (podman).
	Others float64 `json:"others"`
	Log    string  `json:"log"` // the output of the run, with times
}

// target is one way of starting the server.
type target struct {
	kind     string
	server   bool // the process is the server itself (not podman's client)
	modelHub bool // the model comes from the Hub in this start
	// command makes the command listening on addr, configured by env
	// (the Space's, see spaceEnv).
	command func(addr string, env []string) (*process, error)
	cleanup func()
}

// queries are what the runs search for.
type queries struct{ keyword, semantic string }

// pollEvery spaces the requests that watch a start.
const pollEvery = 10 * time.Millisecond

// measureOne starts t and times its start-up, then stops it.
func measureOne(ctx context.Context, c config, hub *hubtest.Server, t target, run int, q queries, log io.Writer) (sample, error) {
	defer t.cleanup()
	s := sample{Kind: t.kind, Run: run}
	if err := machine.WaitIdle(ctx, c.waitIdle, log); err != nil {
		return s, err
	}
	addr, err := spaceAddr()
	if err != nil {
		return s, err
	}
	fmt.Fprintf(log, "%s start %d ...\n", t.kind, run)
	hub.ResetRequests()
	before, err := machine.SampleCPU()
	if err != nil {
		return s, err
	}
	p, err := t.command(addr, spaceEnv(hub, addr))
	if err != nil {
		return s, err
	}
	defer p.kill()
	err = watch(ctx, c, p, "http://"+addr, q, &s)
	rss := -1.0
	if err == nil && t.server {
		rss, err = peakRSS(p.cmd.Process.Pid)
	}
	if err == nil {
		var stop time.Duration
		stop, err = p.stop(c.patience)
		s.StopS = stop.Seconds()
		if err != nil {
			err = fmt.Errorf("after SIGTERM: %w (want exit status 0)", err)
		}
	}
	s.Log = saveLog(c, t.kind, run, p)
	if err != nil {
		return s, fmt.Errorf("%s start %d: %w; the log: %s", t.kind, run, err, s.Log)
	}
	after, err := machine.SampleCPU()
	if err != nil {
		return s, err
	}
	s.HubMB = float64(hubBytes(hub)) / 1e6
	s.PeakRSSMiB, s.CPUS, s.Others = -1, -1, -1
	if t.server {
		s.PeakRSSMiB, s.CPUS = rss, p.cpu().Seconds()
		wall := after.At.Sub(before.At).Seconds()
		s.Others = max(0, machine.OthersBusy(before, after)-s.CPUS/wall)
	}
	return s, check(c, t, s)
}

// watch polls the server until a semantic search answers and the server
// says it is ready, and reads the phases off its output.
func watch(ctx context.Context, c config, p *process, base string, q queries, s *sample) error {
	cl := &http.Client{Timeout: 30 * time.Second}
	since := func() float64 { return time.Since(p.began).Seconds() }
	deadline := p.began.Add(c.patience)
	for {
		if s.HealthzS == 0 && get(cl, base+"/healthz") == http.StatusOK {
			s.HealthzS = since()
		}
		if s.KeywordS == 0 && searchOK(cl, base, q.keyword, "keyword") {
			s.KeywordS = since()
		}
		if s.SemanticS == 0 && searchOK(cl, base, q.semantic, "semantic") {
			s.SemanticS = since()
		}
		if _, ready := p.find("ready: ", ""); ready && s.SemanticS > 0 && s.KeywordS > 0 {
			break
		}
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case p.exited():
			return fmt.Errorf("the server exited (%v) before answering semantic searches", p.waitErr)
		case time.Now().After(deadline):
			return fmt.Errorf("no semantic search results after %v", c.patience)
		}
		time.Sleep(pollEvery)
	}
	return phases(p, s)
}

// phases reads the times of the server's phase lines.
func phases(p *process, s *sample) error {
	l, ok := p.find("index snapshot: ", " pulled and verified in ")
	if !ok {
		return fmt.Errorf(`no "index snapshot: … pulled and verified" line: the index did not come from the Hub snapshot`)
	}
	s.SnapshotS = l.at.Seconds()
	_, took, _ := strings.Cut(l.text, " pulled and verified in ")
	s.PullS, _ = strconv.ParseFloat(strings.TrimSuffix(took, " s"), 64)
	if l, ok := p.find("semantic search on: ", ""); ok {
		s.ModelS = l.at.Seconds()
	}
	l, _ = p.find("ready: ", "")
	s.ReadyS = l.at.Seconds()
	if !strings.Contains(l.text, "semantic search on") {
		return fmt.Errorf("the server says %q", l.text)
	}
	return nil
}

// check refuses a start that was not what its kind says: the model
// downloaded in a warm-model start, or not in a cold one.
func check(c config, t target, s sample) error {
	model := float64(modelBytes(c)) / 1e6
	switch {
	case t.modelHub && s.HubMB < model:
		return fmt.Errorf("%s start %d: the Hub sent %.0f MB, less than the model's %.0f MB", t.kind, s.Run, s.HubMB, model)
	case !t.modelHub && s.HubMB > model:
		return fmt.Errorf("%s start %d: the Hub sent %.0f MB, the model (%.0f MB) again", t.kind, s.Run, s.HubMB, model)
	}
	return nil
}

// modelBytes is the size of the base model's weights.
func modelBytes(c config) int64 {
	fi, err := os.Stat(filepath.Join(modelsIn(c.cache).base, "model.safetensors"))
	if err != nil {
		return 0
	}
	return fi.Size()
}

func get(cl *http.Client, u string) int {
	resp, err := cl.Get(u)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// searchOK runs a search through the JSON API and says whether it
// answered in mode with results.
func searchOK(cl *http.Client, base, q, mode string) bool {
	resp, err := cl.Get(base + "/api/search?" + url.Values{"q": {q}, "mode": {mode}}.Encode())
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var r struct {
		Mode    string            `json:"mode"`
		Results []json.RawMessage `json:"results"`
	}
	return resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(&r) == nil &&
		r.Mode == mode && len(r.Results) > 0
}

// spaceAddr is 127.0.0.1:7860, the Space's port, when it is free here,
// else a free port.
func spaceAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:7860")
	if err != nil {
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return "", fmt.Errorf("find a free port: %w", err)
		}
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr, nil
}

// spaceEnv is the Space's configuration, all from the environment: the
// index from the snapshot repository, nothing to crawl (no ORF_VENUES), a
// data directory that cannot be written (a read-only bucket, or none), the
// live index in ORF_WORK_DIR under HOME. HOME, ORF_DATA_DIR and
// ORF_WORK_DIR are each target's. The machine's OPENBLAS_* settings pass
// as they are.
func spaceEnv(hub *hubtest.Server, addr string) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"), "SPACE_ID=bench/openreview-finder",
		"ORF_ADDR=" + addr, "ORF_INDEX_REPO=" + indexRepo, "HF_ENDPOINT=" + hub.URL(),
	}
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "OPENBLAS_") {
			env = append(env, kv)
		}
	}
	return env
}

// saveLog writes the run's output to the cache's logs folder and returns
// the file's path.
func saveLog(c config, kind string, run int, p *process) string {
	dir := filepath.Join(c.cache, "logs")
	path := filepath.Join(dir, fmt.Sprintf("%s-%d.log", kind, run))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "(not saved: " + err.Error() + ")\n" + p.log()
	}
	if err := os.WriteFile(path, []byte(p.log()), 0o644); err != nil {
		return "(not saved: " + err.Error() + ")\n" + p.log()
	}
	return path
}
