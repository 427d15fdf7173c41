package hfhub

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseRepo(t *testing.T) {
	tests := []struct {
		in     string
		want   Repo
		folder string
		ok     bool
	}{
		{"allenai/specter2_base", Repo{Model, "allenai/specter2_base"}, "models--allenai--specter2_base", true},
		{"models/allenai/specter2", Repo{Model, "allenai/specter2"}, "models--allenai--specter2", true},
		{"datasets/org/idx.v1", Repo{Dataset, "org/idx.v1"}, "datasets--org--idx.v1", true},
		{"spaces/org/demo", Repo{Space, "org/demo"}, "spaces--org--demo", true},
		{"bert-base-uncased", Repo{Model, "bert-base-uncased"}, "models--bert-base-uncased", true},
		{"Org/Case-Kept", Repo{Model, "Org/Case-Kept"}, "models--Org--Case-Kept", true},
		{"", Repo{}, "", false},
		{"a/b/c", Repo{}, "", false},
		{"org/../x", Repo{}, "", false},
		{"org/a--b", Repo{}, "", false},
		{"org/.hidden", Repo{}, "", false},
		{"org/", Repo{}, "", false},
		{"org/name with space", Repo{}, "", false},
		{"datasets/", Repo{}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseRepo(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("ParseRepo(%q) err = %v, want ok=%v", tt.in, err, tt.ok)
			}
			if !tt.ok {
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if f := got.CacheFolder(); f != tt.folder {
				t.Errorf("CacheFolder = %q, want %q", f, tt.folder)
			}
			if back, err := ParseRepo(got.String()); err != nil || back != got {
				t.Errorf("ParseRepo(String()) = %v, %v", back, err)
			}
		})
	}
}

func TestResolveURL(t *testing.T) {
	tests := []struct {
		repo, rev, file, want string
	}{
		{"allenai/specter2_base", "main", "config.json", "https://hf.co/allenai/specter2_base/resolve/main/config.json"},
		{"datasets/org/idx", "refs/pr/1", "index/v3/vectors.f16", "https://hf.co/datasets/org/idx/resolve/refs%2Fpr%2F1/index/v3/vectors.f16"},
		{"org/m", "v1.0", "dir/a b+c#?.txt", "https://hf.co/org/m/resolve/v1.0/dir/a%20b%2Bc%23%3F.txt"},
		{"org/m", "main", "ünï.txt", "https://hf.co/org/m/resolve/main/%C3%BCn%C3%AF.txt"},
	}
	for _, tt := range tests {
		r, err := ParseRepo(tt.repo)
		if err != nil {
			t.Fatal(err)
		}
		if got := resolveURL("https://hf.co", r, tt.rev, tt.file); got != tt.want {
			t.Errorf("resolveURL(%s, %s, %s) = %s, want %s", tt.repo, tt.rev, tt.file, got, tt.want)
		}
	}
}

func TestCheckRelPath(t *testing.T) {
	for p, ok := range map[string]bool{
		"config.json": true, "a/b/c.bin": true, "refs/pr/1": true, ".gitattributes": true,
		"": false, "/abs": false, "../x": false, "..": false, "a/../b": false, "a//b": false, "a/": false,
		"./a": false, `a\b`: false, "a\x00b": false,
	} {
		if err := checkRelPath("file", p); (err == nil) != ok {
			t.Errorf("checkRelPath(%q) = %v, want ok=%v", p, err, ok)
		}
	}
}
