package web

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestOpenAPI checks the document is valid JSON with the required keys,
// documents every route the server serves and nothing else, and that
// every reference resolves.
func TestOpenAPI(t *testing.T) {
	s, _ := newTestServer(t)
	w := get(s, "/api/openapi.json")
	if ct := w.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	var doc map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	for _, k := range []string{"openapi", "info", "paths", "components"} {
		if doc[k] == nil {
			t.Errorf("no %q", k)
		}
	}
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		t.Errorf("openapi = %q, want 3.1.x", v)
	}
	info, _ := doc["info"].(map[string]any)
	if info["title"] == nil || info["version"] == nil {
		t.Errorf("info lacks title or version: %v", info)
	}
	paths, _ := doc["paths"].(map[string]any)
	var served, documented []string
	for _, rt := range s.routes() {
		method, path, _ := strings.Cut(rt.pattern, " ")
		if path == "/" {
			continue // the catch-all 404
		}
		path = strings.TrimSuffix(path, "{$}")
		served = append(served, path)
		op, _ := paths[path].(map[string]any)
		if op[strings.ToLower(method)] == nil {
			t.Errorf("route %s is not documented", rt.pattern)
		}
	}
	for p := range paths {
		documented = append(documented, p)
	}
	sort.Strings(served)
	sort.Strings(documented)
	if diff := cmp.Diff(served, documented); diff != "" {
		t.Errorf("documented paths differ from served ones (-served +documented):\n%s", diff)
	}
	walk(doc, func(ref string) {
		if !resolves(doc, ref) {
			t.Errorf("reference %s does not resolve", ref)
		}
	})
	var names []string
	for _, p := range paths["/api/search"].(map[string]any)["get"].(map[string]any)["parameters"].([]any) {
		ref := p.(map[string]any)["$ref"].(string)
		names = append(names, lookup(doc, ref).(map[string]any)["name"].(string))
	}
	want := []string{"q", "mode", "n", "venue", "year", "status", "author", "keyword", "explain", "similar", "format"}
	if !slices.Equal(names, want) {
		t.Errorf("/api/search parameters = %v, want %v", names, want)
	}
}

// walk calls fn with every $ref in v.
func walk(v any, fn func(string)) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && k == "$ref" {
				fn(s)
			}
			walk(x, fn)
		}
	case []any:
		for _, x := range v {
			walk(x, fn)
		}
	}
}

func lookup(doc map[string]any, ref string) any {
	var cur any = doc
	for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	return cur
}

func resolves(doc map[string]any, ref string) bool {
	return strings.HasPrefix(ref, "#/") && lookup(doc, ref) != nil
}
