package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/openreview-finder/openreview-finder/bench/internal/bertgen"
)

// The random BERT-base and its query adapter live in the cache, the
// adapter in a folder of the model's; build.json, written last, holds the
// generator's version.
func modelDir(cache string) string   { return filepath.Join(cache, "bert-base-go") }
func adapterDir(cache string) string { return filepath.Join(modelDir(cache), "adapter-query") }

func modelCached(cache string) bool {
	data, err := os.ReadFile(filepath.Join(modelDir(cache), "build.json"))
	var stamp struct{ Version int }
	return err == nil && json.Unmarshal(data, &stamp) == nil && stamp.Version == bertgen.Version
}

// writeModel writes a BERT-base of SPECTER2's exact shape with random
// weights and a random query adapter (see bertgen.Write), with the
// benchmark's words in the vocabulary.
func writeModel(cache, testdata string, words []string) error {
	err := bertgen.Write(bertgen.Spec{
		Dir: modelDir(cache), Testdata: testdata, Words: words, Seed: corpusSeed,
		Adapters: []bertgen.Adapter{{Name: bertgen.QueryAdapter, Dir: adapterDir(cache)}},
	})
	if err != nil {
		return err
	}
	stamp, _ := json.Marshal(map[string]int{"version": bertgen.Version})
	if err := os.WriteFile(filepath.Join(modelDir(cache), "build.json"), append(stamp, '\n'), 0o644); err != nil {
		return fmt.Errorf("write model stamp: %w", err)
	}
	return nil
}
