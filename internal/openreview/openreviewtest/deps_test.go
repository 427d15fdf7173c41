package openreviewtest

import (
	"go/parser"
	gotoken "go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImports keeps the fake independent of the client it tests: of this
// module it may import internal/paper only, never internal/openreview, so
// that package's tests can use the fake without an import cycle.
func TestImports(t *testing.T) {
	const module = "github.com/openreview-finder/openreview-finder/"
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("glob: %v (%d files)", err, len(files))
	}
	for _, f := range files {
		ast, err := parser.ParseFile(gotoken.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range ast.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(path, module) && path != module+"internal/paper" {
				t.Errorf("%s imports %s; only internal/paper is allowed", f, path)
			}
		}
	}
}
