package deploytest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// ignoreRule is one .dockerignore pattern.
type ignoreRule struct {
	re     *regexp.Regexp
	negate bool // "!pattern": keep what earlier rules left out
}

// parseDockerignore reads .dockerignore as Docker does (moby's
// patternmatcher): one pattern per line, # comments, ! to re-include,
// * and ? within one path element, ** across elements; the last matching
// pattern wins, and a pattern matching a folder matches all in it.
func parseDockerignore(src []byte) []ignoreRule {
	var rules []ignoreRule
	sc := bufio.NewScanner(bytes.NewReader(src))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		r := ignoreRule{}
		if p, ok := strings.CutPrefix(line, "!"); ok {
			r.negate, line = true, strings.TrimSpace(p)
		}
		line = strings.TrimPrefix(path.Clean(line), "/")
		r.re = regexp.MustCompile("^" + globRegexp(line) + "$")
		rules = append(rules, r)
	}
	return rules
}

func globRegexp(glob string) string {
	var b strings.Builder
	for i := 0; i < len(glob); i++ {
		switch c := glob[i]; {
		case strings.HasPrefix(glob[i:], "**/"):
			b.WriteString("(.*/)?")
			i += 2
		case strings.HasPrefix(glob[i:], "**"):
			b.WriteString(".*")
			i++
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	return b.String()
}

// ignored reports whether the build context leaves out file, a
// slash-separated path from the context's root.
func ignored(rules []ignoreRule, file string) bool {
	out := false
	for _, r := range rules {
		if matchesOrParent(r.re, file) {
			out = !r.negate
		}
	}
	return out
}

func matchesOrParent(re *regexp.Regexp, file string) bool {
	for p := file; p != "." && p != "/"; p = path.Dir(p) {
		if re.MatchString(p) {
			return true
		}
	}
	return false
}

// buildFiles lists, relative to the repository root, every file that
// `go build ./cmd/openreview-finder` reads with cgo on, as the Dockerfile
// builds it: go.mod, go.sum, and the sources and embedded files of each
// of our packages in the binary.
func buildFiles(t *testing.T) []string {
	t.Helper()
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), "go", "list", "-e", "-deps", "-json", "./cmd/openreview-finder")
	cmd.Dir = abs
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	files := []string{"go.mod", "go.sum"}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			Dir                                                                        string
			Standard                                                                   bool
			GoFiles, CgoFiles, CFiles, HFiles, SFiles, CXXFiles, EmbedFiles, SysoFiles []string
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		rel, err := filepath.Rel(abs, p.Dir)
		if p.Standard || err != nil || strings.HasPrefix(rel, "..") {
			continue // the standard library and modules come from elsewhere
		}
		for _, list := range [][]string{p.GoFiles, p.CgoFiles, p.CFiles, p.HFiles, p.SFiles, p.CXXFiles, p.EmbedFiles, p.SysoFiles} {
			for _, f := range list {
				files = append(files, filepath.ToSlash(filepath.Join(rel, f)))
			}
		}
	}
	if len(files) < 10 {
		t.Fatalf("go list found only %q: not the binary's packages", files)
	}
	return files
}

// contextProblems lists what the build context gets wrong: a file the
// build needs left out, or a large or private path sent.
func contextProblems(rules []ignoreRule, needed []string) []string {
	var probs []string
	for _, f := range needed {
		if ignored(rules, f) {
			probs = append(probs, ".dockerignore leaves out "+f+", which the build reads")
		}
	}
	// Paths that must never be sent: history, caches of gigabytes, local
	// indexes and binaries, the CI's own files.
	for _, f := range []string{
		".git/HEAD", ".github/workflows/ci.yml", "data/index.sqlite", ".cache/chroma/x", "bench/.cache/index.sqlite",
		"bin/openreview-finder", "node_modules/x/package.json", "internal/web/web.test", "testdata/models/x",
		"internal/web/testdata/screenshots/page.png",
	} {
		if !ignored(rules, f) {
			probs = append(probs, ".dockerignore sends "+f)
		}
	}
	return probs
}

// TestBuildContext checks .dockerignore: every file the binary's build
// reads (sources, cgo files, //go:embed files) is sent, and nothing big or
// private is.
func TestBuildContext(t *testing.T) {
	rules := parseDockerignore(readFile(t, ".dockerignore"))
	for _, p := range contextProblems(rules, buildFiles(t)) {
		t.Error(p)
	}
}

func TestContextProblems(t *testing.T) {
	needed := []string{"go.mod", "go.sum", "cmd/openreview-finder/main.go", "internal/web/static/app.js", "internal/web/templates/search.html"}
	good := readFile(t, ".dockerignore")
	tests := []struct {
		name, extra string
		want        string // a problem containing this; "" for none
	}{
		{name: "as is"},
		{name: "embedded folder left out", extra: "internal/web/static", want: "leaves out internal/web/static/app.js"},
		{name: "templates by glob", extra: "**/*.html", want: "leaves out internal/web/templates/search.html"},
		{name: "go.sum", extra: "go.sum", want: "leaves out go.sum"},
		{name: "git re-included", extra: "!.git", want: "sends .git/HEAD"},
		{name: "bench cache re-included", extra: "!bench/", want: "sends bench/.cache/index.sqlite"},
		{name: "screenshots re-included", extra: "!internal/web/testdata/", want: "sends internal/web/testdata/screenshots/page.png"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			probs := contextProblems(parseDockerignore(append(slices.Clone(good), "\n"+tt.extra+"\n"...)), needed)
			if tt.want == "" {
				if len(probs) > 0 {
					t.Errorf("problems: %q", probs)
				}
				return
			}
			if !slices.ContainsFunc(probs, func(p string) bool { return strings.Contains(p, tt.want) }) {
				t.Errorf("problems %q, want one containing %q", probs, tt.want)
			}
		})
	}
}
