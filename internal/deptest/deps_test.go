package deptest

import (
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/openreview-finder/openreview-finder"

// pkgInfo is the part of `go list -json` these tests read.
type pkgInfo struct {
	ImportPath string
	Doc        string
	Imports    []string
	Deps       []string
	Name       string
}

func listPackages(t *testing.T) []pkgInfo {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "go", "list", "-json", module+"/...")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkgInfo
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkgInfo
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) == 0 {
		t.Fatal("go list found no packages")
	}
	return pkgs
}

// allowed lists, for each of our internal packages, the packages of ours it
// may import (directly or not). Anything of ours not listed is banned; the
// comment says why.
var allowed = map[string][]string{
	// Leaves: domain types and test scaffolding import nothing of ours, so
	// every other package can use them without cycles.
	"internal/paper":   nil,
	"internal/deptest": nil,
	// The deployment tests read files (Dockerfile, workflows, README.md)
	// and run podman; they need none of our packages, and importing one
	// would tie the image checks to code they only build as a black box.
	"internal/deploytest": nil,
	// The store is a leaf over paper: it must not know how papers are
	// fetched (openreview, crawl) or searched, so any source can fill it.
	"internal/store": {"internal/paper"},
	// The OpenReview client knows the API, not where papers are kept.
	"internal/openreview": {"internal/paper"},
	// The fake server is built from the reference facts, not from our
	// client, so a client bug cannot hide behind a matching fake.
	"internal/openreview/openreviewtest": {"internal/paper"},
	// The crawler drives the client and writes through its own Sink
	// interface; main plugs in the store.
	"internal/crawl": {"internal/paper", "internal/openreview"},
	// Model files and numerics are leaves: they know nothing of papers,
	// so they can be tested, benchmarked and reused on their own.
	"internal/weights":   nil,
	"internal/tokenizer": nil,
	"internal/tensor":    nil,
	// The Hub client only moves files; the fake Hub serves them from the
	// protocol facts, not from our client.
	"internal/hfhub":         nil,
	"internal/hfhub/hubtest": nil,
	// The Chroma client speaks the HTTP API and knows no papers: the code
	// that serves an index from Chroma adapts it to its own interfaces.
	"internal/chroma": nil,
	// The test server runs the real Chroma, independent of our client, so
	// a client bug cannot hide behind a matching fake.
	"internal/chroma/chromatest": nil,
	// chromastore adapts the Chroma client to what search reads (Store,
	// Nearest) and copies indexes between Chroma and the SQLite store; it
	// never loads a model or fetches papers, and search does not know it:
	// main plugs it in. tensor converts float16 vectors.
	"internal/chromastore": {"internal/paper", "internal/store", "internal/search", "internal/chroma", "internal/tensor"},
	// Snapshots move whole index files between the store, folders and a
	// Hub dataset repository; they never search, crawl or load a model.
	"internal/snapshot": {"internal/paper", "internal/store", "internal/hfhub"},
	// The encoder reads weights and runs kernels; it knows no tokenizer.
	"internal/bert": {"internal/weights", "internal/tensor"},
	// Embedding ties tokenizer and encoder together for texts.
	"internal/embedding": {"internal/bert", "internal/tokenizer", "internal/weights", "internal/tensor"},
	// Search ranks what the store holds with the float16 kernels; it
	// defines the Embedder it needs, so main plugs the SPECTER2 encoder in
	// and search never loads a model (embedding, bert, tokenizer, weights)
	// or knows where papers come from (crawl, openreview).
	"internal/search": {"internal/paper", "internal/store", "internal/tensor"},
	// Export formats search results for people (JSON, CSV, BibTeX); it
	// reads results and nothing else, so the CLI and the web share one
	// writer. tensor comes only through search.
	"internal/export": {"internal/paper", "internal/search", "internal/store", "internal/tensor"},
	// The web serves what search and the store answer through its own
	// Searcher and Catalog interfaces; it never loads a model (embedding,
	// bert, tokenizer, weights, hfhub) or fetches papers (crawl,
	// openreview): main does that and plugs the results in. tensor comes
	// only through search.
	"internal/web": {"internal/paper", "internal/store", "internal/search", "internal/export", "internal/tensor"},
}

func TestDependencies(t *testing.T) {
	for _, p := range listPackages(t) {
		rel, ok := strings.CutPrefix(p.ImportPath, module+"/")
		if !ok || !strings.HasPrefix(rel, "internal/") {
			continue // commands may import anything of ours
		}
		allow, known := allowed[rel]
		if !known {
			t.Errorf("package %s has no entry in the dependency allow-list: add one with a reason", rel)
			continue
		}
		for _, dep := range p.Deps {
			drel, ours := strings.CutPrefix(dep, module+"/")
			if !ours {
				continue
			}
			if !slices.Contains(allow, drel) {
				t.Errorf("%s imports %s, which its allow-list does not permit", rel, drel)
			}
		}
	}
}

func TestPackageDocs(t *testing.T) {
	for _, p := range listPackages(t) {
		if strings.TrimSpace(p.Doc) == "" {
			t.Errorf("package %s has no doc comment saying what it is for", p.ImportPath)
		}
	}
}
