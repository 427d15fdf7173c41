package deploytest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	// YAML: the front matter is YAML, and this is the parser actionlint
	// (our workflow linter, see workflows_test.go) already brings in, so
	// checking it adds no module.
	"go.yaml.in/yaml/v4"
)

// root is the repository root, seen from this package's directory (where
// go test runs).
const root = "../.."

// The Spaces configuration reference (hub-docs spaces-config-reference.md,
// as summarised in the reference notes' §1.1).
var (
	spaceColors   = []string{"red", "yellow", "green", "blue", "indigo", "purple", "pink", "gray"}
	spaceHardware = []string{
		"cpu-basic", "cpu-upgrade", "t4-small", "t4-medium", "l4x1", "l4x4", "l40sx1", "l40sx4", "l40sx8",
		"a10g-small", "a10g-large", "a10g-largex2", "a10g-largex4", "a100-large", "a100x4", "a100x8",
	}
	// spaceKeys are the keys a Docker Space's README may set. Left out on
	// purpose: suggested_storage (persistent storage is gone, the key is
	// ignored) and python_version, sdk_version, app_file and
	// app_build_command (not used by Docker Spaces).
	spaceKeys = []string{
		"title", "emoji", "colorFrom", "colorTo", "sdk", "app_port", "pinned", "license", "short_description",
		"suggested_hardware", "preload_from_hub", "models", "datasets", "tags", "thumbnail", "header",
		"fullWidth", "base_path", "disable_embedding", "startup_duration_timeout", "custom_headers",
		"hf_oauth", "hf_oauth_scopes", "hf_oauth_expiration_minutes", "hf_oauth_authorized_org",
	}
)

// maxShortDescription keeps the card's one line from being cut off.
const maxShortDescription = 60

// frontMatter returns the YAML block between the leading "---" lines of a
// README, or false when there is none.
func frontMatter(readme []byte) ([]byte, bool) {
	rest, ok := bytes.CutPrefix(readme, []byte("---\n"))
	if !ok {
		return nil, false
	}
	if block, _, ok := bytes.Cut(rest, []byte("\n---\n")); ok {
		return append(block, '\n'), true
	}
	return nil, false
}

// spaceConfig parses a README's front matter.
func spaceConfig(readme []byte) (map[string]any, error) {
	block, ok := frontMatter(readme)
	if !ok {
		return nil, fmt.Errorf("no front matter: the README must start with a --- line and close it with another")
	}
	var cfg map[string]any
	if err := yaml.Unmarshal(block, &cfg); err != nil {
		return nil, fmt.Errorf("parse front matter: %w", err)
	}
	return cfg, nil
}

// spaceProblems lists what in a Space configuration the Hub would reject,
// ignore, or show wrongly; appPort is the port the image listens on.
func spaceProblems(cfg map[string]any, appPort int) []string {
	var probs []string
	add := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	for _, k := range sortedKeys(cfg) {
		switch {
		case k == "suggested_storage":
			add("suggested_storage is ignored since persistent storage was removed: attach a bucket instead (docs/deploy.md)")
		case !slices.Contains(spaceKeys, k):
			add("unknown key %s (allowed: %s)", k, strings.Join(spaceKeys, ", "))
		}
	}
	str := func(k string) (string, bool) {
		v, ok := cfg[k].(string)
		if !ok {
			add("%s must be a string, not %#v", k, cfg[k])
		}
		return v, ok
	}
	if v, ok := str("sdk"); ok && v != "docker" {
		add("sdk is %q, not docker", v)
	}
	if v, ok := cfg["app_port"].(int); !ok {
		add("app_port must be an integer, not %#v", cfg["app_port"])
	} else if v != appPort {
		add("app_port is %d but the image listens on %d (Dockerfile ORF_ADDR)", v, appPort)
	}
	for _, k := range []string{"colorFrom", "colorTo"} {
		if v, ok := str(k); ok && !slices.Contains(spaceColors, v) {
			add("%s is %q, not one of %s", k, v, strings.Join(spaceColors, ", "))
		}
	}
	if v, ok := str("title"); ok && strings.TrimSpace(v) == "" {
		add("title is empty")
	}
	if v, ok := str("emoji"); ok && !isEmoji(v) {
		add("emoji is %q, not an emoji", v)
	}
	if v, ok := str("short_description"); ok {
		if n := utf8.RuneCountInString(strings.TrimSpace(v)); n == 0 || n > maxShortDescription {
			add("short_description has %d characters, want 1 to %d (it is one line on the Space's card)", n, maxShortDescription)
		}
	}
	if v, ok := cfg["suggested_hardware"]; ok {
		if s, _ := v.(string); !slices.Contains(spaceHardware, s) {
			add("suggested_hardware is %#v, not one of %s", v, strings.Join(spaceHardware, ", "))
		}
	}
	if v, ok := cfg["startup_duration_timeout"]; ok {
		if s, _ := v.(string); s == "" {
			add("startup_duration_timeout must be a duration such as 30m or 1h, not %#v", v)
		} else if _, err := time.ParseDuration(s); err != nil {
			add("startup_duration_timeout %q is not a duration such as 30m or 1h", s)
		}
	}
	return probs
}

// isEmoji reports whether s is one short run of non-ASCII symbols (an
// emoji, maybe with a variation selector or joiners), not a word.
func isEmoji(s string) bool {
	n := utf8.RuneCountInString(s)
	if n == 0 || n > 8 {
		return false
	}
	for _, r := range s {
		if r < 0x80 {
			return false
		}
	}
	return true
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func readFile(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSpaceConfig checks README.md's front matter, which is the Space's
// whole configuration, against the Hub's reference and the Dockerfile.
func TestSpaceConfig(t *testing.T) {
	cfg, err := spaceConfig(readFile(t, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	df := parseDockerfile(t, readFile(t, "Dockerfile"))
	for _, p := range spaceProblems(cfg, df.listenPort(t)) {
		t.Errorf("README.md front matter: %s", p)
	}
}

// TestSpaceProblems shows that each rule of spaceProblems fires: a broken
// front matter must not pass.
func TestSpaceProblems(t *testing.T) {
	const good = `---
title: OpenReview Finder
emoji: 📚
colorFrom: indigo
colorTo: blue
sdk: docker
app_port: 7860
short_description: Find papers by meaning
suggested_hardware: cpu-basic
startup_duration_timeout: 1h
models:
  - allenai/specter2_base
---
# text
`
	tests := []struct {
		name, old, new string
		want           string // a problem containing this; "" for none
	}{
		{name: "good"},
		{name: "gradio sdk", old: "sdk: docker", new: "sdk: gradio", want: "not docker"},
		{name: "port as string", old: "app_port: 7860", new: `app_port: "7860"`, want: "app_port must be an integer"},
		{name: "port differs", old: "app_port: 7860", new: "app_port: 8080", want: "image listens on 7860"},
		{name: "port missing", old: "app_port: 7860\n", new: "", want: "app_port must be an integer"},
		{name: "bad color", old: "colorTo: blue", new: "colorTo: orange", want: "colorTo is \"orange\""},
		{name: "no emoji", old: "emoji: 📚", new: "emoji: books", want: "not an emoji"},
		{name: "empty title", old: "title: OpenReview Finder", new: `title: ""`, want: "title is empty"},
		{name: "long description", old: "Find papers by meaning", new: strings.Repeat("x", 61), want: "short_description has 61"},
		{name: "no description", old: "short_description: Find papers by meaning\n", new: "", want: "short_description must be a string"},
		{name: "bad hardware", old: "cpu-basic", new: "cpu-huge", want: "suggested_hardware"},
		{name: "bad timeout", old: "startup_duration_timeout: 1h", new: "startup_duration_timeout: an hour", want: "not a duration"},
		{name: "storage", old: "app_port: 7860", new: "app_port: 7860\nsuggested_storage: small", want: "suggested_storage is ignored"},
		{name: "unknown key", old: "app_port: 7860", new: "app_port: 7860\napp_file: app.py", want: "unknown key app_file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			readme := strings.Replace(good, tt.old, tt.new, 1)
			if tt.old != "" && readme == good {
				t.Fatalf("case does not change the front matter: %q not found", tt.old)
			}
			cfg, err := spaceConfig([]byte(readme))
			if err != nil {
				t.Fatal(err)
			}
			probs := spaceProblems(cfg, 7860)
			if tt.want == "" {
				if len(probs) > 0 {
					t.Errorf("problems in a good front matter: %q", probs)
				}
				return
			}
			if !slices.ContainsFunc(probs, func(p string) bool { return strings.Contains(p, tt.want) }) {
				t.Errorf("problems %q, want one containing %q", probs, tt.want)
			}
		})
	}
	if _, err := spaceConfig([]byte("# no front matter\n")); err == nil {
		t.Error("a README without front matter parsed")
	}
}
