package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/openreview-finder/openreview-finder/internal/embedding"
)

// modelFlags are the flags that choose an encoder.
type modelFlags struct {
	model, adapter string
	noAdapter      bool
	pooling        string
	normalize      bool
	hub            hubFlags
}

func (m *modelFlags) register(fs *flagSet, withAdapter bool) {
	fs.stringVar(&m.model, "model", "ORF_MODEL", "allenai/specter2_base", "base model: a Hub repo id or a local directory laid out like one")
	m.hub.register(fs)
	if !withAdapter {
		return
	}
	fs.stringVar(&m.adapter, "adapter", "ORF_ADAPTER", "allenai/specter2", "adapter: a Hub repo id or a local directory (allenai/specter2 is the proximity adapter for papers, allenai/specter2_adhoc_query for queries)")
	fs.BoolVar(&m.noAdapter, "no-adapter", false, "use the base model without an adapter")
	fs.stringVar(&m.pooling, "pooling", "", "", "cls or mean (default: what the model directory asks for, else cls)")
	fs.BoolVar(&m.normalize, "normalize", false, "L2-normalise each vector (the reference returns raw vectors)")
}

// encoder resolves the model and adapter (downloading them if needed) and
// loads them.
func (m *modelFlags) encoder(ctx context.Context, env environ, stderr io.Writer) (*embedding.Encoder, error) {
	hub, err := m.hub.client(env, stderr)
	if err != nil {
		return nil, err
	}
	modelDir, err := resolveModel(ctx, hub, m.model, m.hub.revision, modelRepoFiles)
	if err != nil {
		return nil, err
	}
	adapterDir := ""
	if !m.noAdapter && m.adapter != "" {
		if adapterDir, err = resolveModel(ctx, hub, m.adapter, "", adapterRepoFiles); err != nil {
			return nil, err
		}
	}
	opts := embedding.Options{Pooling: embedding.DefaultPooling(modelDir), Normalize: m.normalize}
	if m.pooling != "" {
		if opts.Pooling, err = embedding.ParsePooling(m.pooling); err != nil {
			return nil, usageError(err.Error())
		}
	}
	var reg embedding.Registry
	return reg.Encoder(modelDir, adapterDir, opts)
}

func runEmbed(ctx context.Context, args []string, env environ, stdout, stderr io.Writer) error {
	var (
		mf    modelFlags
		input string
	)
	fs := newFlagSet("embed", env.getenv, stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: openreview-finder embed [--model REPO|DIR] [--adapter REPO|DIR | --no-adapter] [--pooling cls|mean] [--normalize] [--input FILE]")
		fmt.Fprintln(stderr, "Reads JSONL ({\"text\": ...} or {\"title\": ..., \"abstract\": ...}) and writes {\"embedding\": [...]} per line, in order.")
		fs.PrintDefaults()
	}
	mf.register(fs, true)
	fs.stringVar(&input, "input", "", "", "JSONL file to read (default: standard input)")
	if _, err := fs.parse(args); err != nil {
		return flagError(err)
	}
	texts, err := readTexts(input)
	if err != nil {
		return err
	}
	enc, err := mf.encoder(ctx, env, stderr)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(stdout)
	const chunk = 64 // bounds memory and lets output flow on long inputs
	for start := 0; start < len(texts); start += chunk {
		vecs, err := enc.Embed(ctx, texts[start:min(start+chunk, len(texts))])
		if err != nil {
			return err
		}
		for _, v := range vecs {
			writeVector(w, v)
		}
	}
	return w.Flush()
}

// writeVector writes {"embedding":[...]} with each float32 in its shortest
// exact form.
func writeVector(w *bufio.Writer, v []float32) {
	w.WriteString(`{"embedding":[`)
	buf := make([]byte, 0, 16)
	for i, x := range v {
		if i > 0 {
			w.WriteByte(',')
		}
		buf = strconv.AppendFloat(buf[:0], float64(x), 'g', -1, 32)
		w.Write(buf)
	}
	w.WriteString("]}\n")
}

// inputLine is one line of embed's and tokenize's input.
type inputLine struct {
	Text     *string `json:"text"`
	Title    *string `json:"title"`
	Abstract *string `json:"abstract"`
}

// readTexts reads JSONL from path (stdin when empty): a "text", or a paper's
// "title" and "abstract" joined as SPECTER2 expects. Blank lines are skipped.
func readTexts(path string) ([]string, error) {
	var r io.Reader = os.Stdin
	name := "standard input"
	if path != "" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r, name = f, path
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	var texts []string
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var in inputLine
		if err := json.Unmarshal([]byte(line), &in); err != nil {
			return nil, fmt.Errorf("%s line %d: not a JSON object: %v", name, n, err)
		}
		switch {
		case in.Text != nil:
			texts = append(texts, *in.Text)
		case in.Title != nil || in.Abstract != nil:
			texts = append(texts, embedding.PaperText(deref(in.Title), deref(in.Abstract)))
		default:
			return nil, fmt.Errorf("%s line %d: want {\"text\": ...} or {\"title\": ..., \"abstract\": ...}", name, n)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return texts, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
