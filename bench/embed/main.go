// Command embed is the Go side of the embedding benchmark (bench/embed/bench.py):
// it loads a model directory, embeds a JSONL file of texts and prints one JSON
// object with throughput, query latency and peak memory.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/embedding"
	"github.com/openreview-finder/openreview-finder/internal/tensor"
)

func main() {
	model := flag.String("model", "", "model directory")
	adapter := flag.String("adapter", "", "adapter directory")
	input := flag.String("input", "", "JSONL texts ({\"text\": ...})")
	queries := flag.Int("queries", 50, "16-token query embeddings to time")
	flag.Parse()
	if err := run(*model, *adapter, *input, *queries); err != nil {
		fmt.Fprintln(os.Stderr, "embed bench:", err)
		os.Exit(1)
	}
}

type result struct {
	Backend     string  `json:"backend"`
	LoadSeconds float64 `json:"load_s"`
	Docs        int     `json:"docs"`
	Tokens      int     `json:"tokens"`
	Seconds     float64 `json:"embed_s"`
	DocsPerS    float64 `json:"docs_per_s"`
	QueryP50ms  float64 `json:"query_p50_ms"`
	QueryP90ms  float64 `json:"query_p90_ms"`
	QueryTokens int     `json:"query_tokens"`
	PeakRSSMB   float64 `json:"peak_rss_mb"`
}

func run(model, adapter, input string, queries int) error {
	texts, err := readTexts(input)
	if err != nil {
		return err
	}
	start := time.Now()
	var reg embedding.Registry
	enc, err := reg.Encoder(model, adapter, embedding.Options{})
	if err != nil {
		return err
	}
	res := result{Backend: tensor.BackendInfo(), LoadSeconds: time.Since(start).Seconds(), Docs: len(texts)}
	ctx := context.Background()
	ids := enc.Tokenizer().EncodeBatch(texts)
	for _, s := range ids {
		res.Tokens += len(s)
	}
	// Warm up: first touches of the weights and buffers.
	if _, err := enc.Embed(ctx, texts[:min(8, len(texts))]); err != nil {
		return err
	}
	start = time.Now()
	if _, err := enc.Embed(ctx, texts); err != nil { // tokenising included, as a user sees it
		return err
	}
	res.Seconds = time.Since(start).Seconds()
	res.DocsPerS = float64(len(texts)) / res.Seconds

	query := queryOf(enc, texts[0], 16)
	res.QueryTokens = len(enc.Tokenizer().Encode(query))
	var lat []float64
	for range queries {
		t := time.Now()
		if _, err := enc.Embed(ctx, []string{query}); err != nil {
			return err
		}
		lat = append(lat, float64(time.Since(t).Microseconds())/1000)
	}
	slices.Sort(lat)
	if len(lat) > 0 {
		res.QueryP50ms, res.QueryP90ms = lat[len(lat)/2], lat[len(lat)*9/10]
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		res.PeakRSSMB = float64(ru.Maxrss) / 1024 // Linux reports KiB
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

// queryOf is the longest prefix of text's words that encodes to at most n
// tokens, [CLS] and [SEP] included: a typical short search query.
func queryOf(enc *embedding.Encoder, text string, n int) string {
	words := strings.Fields(strings.ReplaceAll(text, "[SEP]", " "))
	q := ""
	for _, w := range words {
		next := strings.TrimSpace(q + " " + w)
		if len(enc.Tokenizer().Encode(next)) > n {
			break
		}
		q = next
	}
	return q
}

func readTexts(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var texts []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var l struct {
			Text string `json:"text"`
		}
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return nil, err
		}
		texts = append(texts, l.Text)
	}
	return texts, sc.Err()
}
