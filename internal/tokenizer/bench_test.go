package tokenizer

import (
	"path/filepath"
	"strings"
	"testing"
)

// benchAbstract is a title and abstract of about 300 tokens with the test
// vocabulary (and about 220 words), accents and punctuation included.
const benchAbstract = "SPECTER2: Scientific Document Representation Learning with Citation-Informed Transformers[SEP]" +
	"We introduce a new method to learn representations of scientific papers. Our model, a transformer " +
	"pretrained on large scale citation graphs, embeds the title and abstract of a paper; we then fine-tune it " +
	"on tasks from the SciRepEval benchmark (classification, regression, search and proximity). " +
	"Results show that the new embeddings are state-of-the-art on 24 of 25 tasks, with an average gain of 2.3 points. " +
	"We also propose a self-attention layer for documents, and we show that pretraining on citations " +
	"is more data-efficient than language modelling alone. Evaluation on Zürich, Café and naïve " +
	"baselines shows the same. The model, data and code are released for the community: " +
	"https://openreview.net/forum?id=abc123. Learning representations of papers from their citation " +
	"network is a task with a long history; neural networks for this task were first trained on " +
	"small data sets, and we show that large models trained on large data sets are better on all " +
	"tasks, with the largest gain on search. Our evaluation shows results that are stable across " +
	"the tasks, and the embeddings transfer to new tasks with little fine-tuning. We release the " +
	"benchmark with the models, and we hope that it will be useful for the evaluation of new methods."

func BenchmarkEncode(b *testing.B) {
	tok := mustLoad(b, filepath.Join("testdata", "uncased"))
	n := len(tok.Encode(benchAbstract))
	if n < 250 || n >= tok.MaxLength() {
		b.Fatalf("benchmark text has %d tokens, want about 300 and untruncated", n)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(benchAbstract)))
	runs := 0
	for b.Loop() {
		tok.Encode(benchAbstract)
		runs++
	}
	b.ReportMetric(float64(n*runs)/b.Elapsed().Seconds(), "tokens/s")
}

// BenchmarkEncodeLong encodes a text far past 512 tokens: tokenizing stops
// once the truncated encoding is full.
func BenchmarkEncodeLong(b *testing.B) {
	tok := mustLoad(b, filepath.Join("testdata", "uncased"))
	text := strings.Repeat(benchAbstract, 20)
	b.ReportAllocs()
	for b.Loop() {
		tok.Encode(text)
	}
}
