package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/hfhub"
	"github.com/openreview-finder/openreview-finder/internal/tokenizer"
)

// The Hub repos of SPECTER2: the base encoder, the proximity adapter for
// papers and the ad-hoc query adapter for search queries.
const (
	defaultModel        = "allenai/specter2_base"
	defaultPaperAdapter = "allenai/specter2"
	defaultQueryAdapter = "allenai/specter2_adhoc_query"
)

// repoFile is one file a model needs: the first of its names that the repo
// has; optional files may be absent.
type repoFile struct {
	names    []string
	optional bool
}

var (
	tokenizerRepoFiles = []repoFile{
		{names: []string{"tokenizer.json", "vocab.txt"}},
		{names: []string{"vocab.txt"}, optional: true},
		{names: []string{"tokenizer_config.json"}, optional: true},
		{names: []string{"special_tokens_map.json"}, optional: true},
	}
	modelRepoFiles = append([]repoFile{
		{names: []string{"config.json"}},
		{names: []string{"model.safetensors", "pytorch_model.bin"}},
		{names: []string{"modules.json"}, optional: true},
		{names: []string{"1_Pooling/config.json"}, optional: true},
	}, tokenizerRepoFiles...)
	adapterRepoFiles = []repoFile{
		{names: []string{"adapter_config.json"}},
		{names: []string{"adapter.safetensors", "pytorch_adapter.bin"}},
	}
)

// hubFlags configure Hub access. Endpoint, token and offline mode come from
// the environment as huggingface_hub reads them (HF_ENDPOINT, HF_TOKEN,
// HF_HUB_OFFLINE, HF_HOME, HF_HUB_CACHE), so both share one cache.
type hubFlags struct {
	revision string
	progress func(hfhub.Progress) // download progress; nil: a bar on a terminal
}

func (h *hubFlags) register(fs *flagSet) {
	fs.stringVar(&h.revision, "revision", "ORF_MODEL_REVISION", "main", "revision of the base model repo: a branch, tag or commit")
}

func (h *hubFlags) client(env environ, stderr io.Writer) (*hfhub.Client, error) {
	cfg := hfhub.ConfigFromEnv(env.getenv)
	log, err := (&config{LogLevel: "warn"}).logger(env, stderr)
	if err != nil {
		return nil, err
	}
	cfg.Logger = log.With("component", "hfhub")
	cfg.Progress = h.progress
	if cfg.Progress == nil && env.stderrTTY {
		bar := &downloadBar{w: stderr}
		cfg.Progress = bar.update
	}
	return hfhub.New(cfg), nil
}

// resolveModel returns a local directory holding ref's files: ref itself if
// it is a directory, else a Hub repo snapshot (downloaded if missing).
func resolveModel(ctx context.Context, hub *hfhub.Client, ref, revision string, files []repoFile) (string, error) {
	if fi, err := os.Stat(ref); err == nil && fi.IsDir() {
		return ref, nil
	}
	if _, err := hfhub.ParseRepo(ref); err != nil || strings.HasPrefix(ref, ".") || strings.HasPrefix(ref, "/") {
		return "", fmt.Errorf("%q is neither a model directory nor a Hub repo id such as %s", ref, defaultModel)
	}
	if revision == "" {
		revision = "main"
	}
	dir := ""
	for _, f := range files {
		path, name, err := downloadFirst(ctx, hub, ref, revision, f.names)
		if errors.Is(err, hfhub.ErrNotFound) && f.optional {
			continue
		}
		if err != nil {
			return "", err
		}
		// The file's path is <snapshot dir>/<name>.
		dir = filepath.Clean(strings.TrimSuffix(path, filepath.FromSlash(name)))
	}
	return dir, nil
}

// downloadFirst downloads the first of names that the repo has and says
// which it was.
func downloadFirst(ctx context.Context, hub *hfhub.Client, repo, revision string, names []string) (string, string, error) {
	var err error
	for _, n := range names {
		var path string
		path, err = hub.Download(ctx, repo, revision, n)
		if err == nil {
			return path, n, nil
		}
		if !errors.Is(err, hfhub.ErrNotFound) {
			return "", "", err
		}
	}
	return "", "", fmt.Errorf("%s has none of %s: %w", repo, strings.Join(names, ", "), err)
}

// tokenizer loads only the tokenizer of the model, without its weights.
func (m *modelFlags) tokenizer(ctx context.Context, env environ, stderr io.Writer) (*tokenizer.Tokenizer, error) {
	hub, err := m.hub.client(env, stderr)
	if err != nil {
		return nil, err
	}
	dir, err := resolveModel(ctx, hub, m.model, m.hub.revision, tokenizerRepoFiles)
	if err != nil {
		return nil, err
	}
	return tokenizer.Load(dir)
}

func runModel(ctx context.Context, args []string, env environ, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "pull" {
		return usageError("usage: openreview-finder model pull [--model REPO] [--adapter REPO]...")
	}
	var (
		hf       hubFlags
		model    string
		adapters []string
	)
	fs := newFlagSet("model pull", env.getenv, stderr)
	fs.stringVar(&model, "model", "ORF_MODEL", defaultModel, "base model repo to download")
	fs.listVar(&adapters, "adapter", "", "adapter repo to download (default: "+defaultPaperAdapter+" and "+defaultQueryAdapter+")")
	hf.register(fs)
	if _, err := fs.parse(args[1:]); err != nil {
		return flagError(err)
	}
	if len(adapters) == 0 {
		adapters = []string{defaultPaperAdapter, defaultQueryAdapter}
	}
	hub, err := hf.client(env, stderr)
	if err != nil {
		return err
	}
	start := time.Now()
	dir, err := resolveModel(ctx, hub, model, hf.revision, modelRepoFiles)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %s\n", model, dir)
	for _, a := range adapters {
		dir, err := resolveModel(ctx, hub, a, "", adapterRepoFiles)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: %s\n", a, dir)
	}
	fmt.Fprintf(stdout, "Models are in the Hugging Face cache (took %s).\n", time.Since(start).Round(time.Millisecond))
	return nil
}

// downloadBar draws one progress line per file on a terminal.
type downloadBar struct{ w io.Writer }

func (b *downloadBar) update(p hfhub.Progress) {
	if p.Total <= 0 {
		return
	}
	fmt.Fprintf(b.w, "\r\033[K%s/%s %5.1f%% of %.1f MB", p.Repo, p.File, 100*float64(p.Done)/float64(p.Total), float64(p.Total)/1e6)
	if p.Done >= p.Total {
		fmt.Fprintln(b.w)
	}
}
