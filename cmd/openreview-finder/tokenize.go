package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
)

func runTokenize(ctx context.Context, args []string, env environ, stdout, stderr io.Writer) error {
	var (
		mf    modelFlags
		input string
	)
	fs := newFlagSet("tokenize", env.getenv, stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: openreview-finder tokenize [--model REPO|DIR] [--input FILE]")
		fmt.Fprintln(stderr, "Reads the same JSONL as embed and writes {\"ids\": [...]} per line, with [CLS] and [SEP], truncated as the model does.")
		fs.PrintDefaults()
	}
	mf.register(fs, false)
	fs.stringVar(&input, "input", "", "", "JSONL file to read (default: standard input)")
	if _, err := fs.parse(args); err != nil {
		return flagError(err)
	}
	texts, err := readTexts(input)
	if err != nil {
		return err
	}
	tok, err := mf.tokenizer(ctx, env, stderr)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(stdout)
	buf := make([]byte, 0, 16)
	for _, t := range texts {
		w.WriteString(`{"ids":[`)
		for i, id := range tok.Encode(t) {
			if i > 0 {
				w.WriteByte(',')
			}
			buf = strconv.AppendInt(buf[:0], int64(id), 10)
			w.Write(buf)
		}
		w.WriteString("]}\n")
	}
	return w.Flush()
}
