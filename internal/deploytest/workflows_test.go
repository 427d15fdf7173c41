package deploytest

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	// actionlint checks GitHub workflows as GitHub would run them (syntax,
	// expressions and their types, the inputs of well-known actions,
	// script injection) with no network, so a broken workflow fails here
	// rather than on GitHub after a push. It is the field's standard
	// linter, kept up to date, used as a library so its findings come back
	// as values; go.mod's tool directive also gives `go tool actionlint`
	// for running it by hand.
	"github.com/rhysd/actionlint"
	"go.yaml.in/yaml/v4"
)

// lint runs actionlint over files, without shellcheck or pyflakes even
// where they are installed, so every machine gives the same answer.
func lint(t *testing.T, files []string) []*actionlint.Error {
	t.Helper()
	l, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{LogWriter: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	errs, err := l.LintFiles(files, nil)
	if err != nil {
		t.Fatalf("actionlint: %v", err)
	}
	return errs
}

func workflowFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, ".github", "workflows", "*.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 3 {
		t.Fatalf("found workflows %q, want ci, sync-space and refresh-index", files)
	}
	return files
}

func TestActionlint(t *testing.T) {
	for _, e := range lint(t, workflowFiles(t)) {
		t.Errorf("%s", e)
	}
}

// TestActionlintFails shows that the lint can fail: each broken workflow
// must give the kind of error named.
func TestActionlintFails(t *testing.T) {
	tests := []struct{ name, step, kind string }{
		{name: "unknown input", kind: "action", step: `
      - uses: actions/setup-go@v6
        with:
          go-version-fil: go.mod`},
		{name: "script injection", kind: "expression", step: `
      - run: echo "${{ github.event.pull_request.title }}"`},
		{name: "unknown context", kind: "expression", step: `
      - run: echo "${{ var.ORF_VENUES }}"`},
		{name: "bad syntax", kind: "syntax-check", step: `
      - run: true
        wiht:
          x: 1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), ".github", "workflows")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(dir, "bad.yml")
			src := "on: pull_request\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:" + tt.step + "\n"
			if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			errs := lint(t, []string{file})
			if !slices.ContainsFunc(errs, func(e *actionlint.Error) bool { return e.Kind == tt.kind }) {
				t.Errorf("actionlint found %v, want an error of kind %q", errs, tt.kind)
			}
		})
	}
}

// pinned are the actions our workflows may use, at the versions the
// reference notes checked (hf-spaces-hub-actions.md §4); actionlint knows
// the inputs of all but hub-sync.
var pinned = map[string]string{
	"actions/checkout":     "v6",
	"actions/setup-go":     "v6",
	"actions/cache":        "v5",
	"huggingface/hub-sync": "v0.1.0",
}

// A ${{ }} expression inside a run: script is pasted into the shell
// before it runs: a secret lands in the script (and any `set -x` trace),
// a variable can inject commands. Pass them through env: instead.
var inlineExpr = regexp.MustCompile(`\$\{\{[^}]*\b(secrets|vars|github\.event|inputs)\.`)

type workflow struct {
	Jobs map[string]struct {
		Steps []struct {
			Uses string `yaml:"uses"`
			Run  string `yaml:"run"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

// workflowProblems lists what our own rules forbid in a workflow, beyond
// actionlint: unpinned or unknown actions, expressions in scripts, and
// a CI that drifts from .ci/run.
func workflowProblems(name string, src []byte) ([]string, error) {
	var wf workflow
	if err := yaml.Unmarshal(src, &wf); err != nil {
		return nil, fmt.Errorf("parse %s: %w", name, err)
	}
	var probs []string
	runsCI := false
	for _, job := range sortedJobs(wf) {
		for i, st := range wf.Jobs[job].Steps {
			where := fmt.Sprintf("%s job %s step %d", name, job, i+1)
			if st.Uses != "" {
				action, ref, _ := strings.Cut(st.Uses, "@")
				if want, ok := pinned[action]; !ok {
					probs = append(probs, fmt.Sprintf("%s uses %s, which is not in the list of checked actions", where, st.Uses))
				} else if ref != want {
					probs = append(probs, fmt.Sprintf("%s uses %s, want @%s", where, st.Uses, want))
				}
			}
			if m := inlineExpr.FindString(st.Run); m != "" {
				probs = append(probs, fmt.Sprintf("%s pastes %s...}} into its script: pass it through env:", where, m))
			}
			runsCI = runsCI || strings.Contains(st.Run, "bash .ci/run")
		}
	}
	if name == "ci.yml" && !runsCI {
		probs = append(probs, "ci.yml does not run bash .ci/run, our CI's entry point: the two would drift")
	}
	return probs, nil
}

func sortedJobs(wf workflow) []string {
	var jobs []string
	for j := range wf.Jobs {
		jobs = append(jobs, j)
	}
	slices.Sort(jobs)
	return jobs
}

func TestWorkflowRules(t *testing.T) {
	for _, f := range workflowFiles(t) {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		probs, err := workflowProblems(filepath.Base(f), src)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range probs {
			t.Error(p)
		}
	}
}

func TestWorkflowProblems(t *testing.T) {
	const good = `on: push
jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v6
      - env:
          TOKEN: ${{ secrets.HF_TOKEN }}
        run: bash .ci/run
`
	tests := []struct {
		name, old, new string
		want           string // a problem containing this; "" for none
	}{
		{name: "good"},
		{name: "other version", old: "checkout@v6", new: "checkout@v4", want: "want @v6"},
		{name: "branch ref", old: "checkout@v6", new: "checkout@main", want: "want @v6"},
		{name: "unknown action", old: "actions/checkout@v6", new: "someone/thing@v1", want: "not in the list"},
		{name: "secret in script", old: "run: bash .ci/run", new: "run: bash .ci/run ${{ secrets.HF_TOKEN }}", want: "pastes ${{ secrets."},
		{name: "variable in script", old: "run: bash .ci/run", new: "run: bash .ci/run ${{vars.ORF_VENUES}}", want: "pastes ${{vars."},
		{name: "drift", old: "run: bash .ci/run", new: "run: go test ./...", want: "does not run bash .ci/run"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.Replace(good, tt.old, tt.new, 1)
			if tt.old != "" && src == good {
				t.Fatalf("case does not change the workflow: %q not found", tt.old)
			}
			probs, err := workflowProblems("ci.yml", []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "" {
				if len(probs) > 0 {
					t.Errorf("problems in a good workflow: %q", probs)
				}
				return
			}
			if !slices.ContainsFunc(probs, func(p string) bool { return strings.Contains(p, tt.want) }) {
				t.Errorf("problems %q, want one containing %q", probs, tt.want)
			}
		})
	}
}
