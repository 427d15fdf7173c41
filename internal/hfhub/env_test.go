package hfhub

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func envFunc(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestDefaultCacheDir(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"HF_HUB_CACHE first", map[string]string{"HF_HUB_CACHE": "/hub", "HUGGINGFACE_HUB_CACHE": "/legacy", "HF_HOME": "/hf", "XDG_CACHE_HOME": "/xdg", "HOME": "/home/u"}, "/hub"},
		{"legacy HUGGINGFACE_HUB_CACHE", map[string]string{"HUGGINGFACE_HUB_CACHE": "/legacy", "HF_HOME": "/hf", "HOME": "/home/u"}, "/legacy"},
		{"HF_HOME", map[string]string{"HF_HOME": "/hf", "XDG_CACHE_HOME": "/xdg", "HOME": "/home/u"}, "/hf/hub"},
		{"XDG_CACHE_HOME", map[string]string{"XDG_CACHE_HOME": "/xdg", "HOME": "/home/u"}, "/xdg/huggingface/hub"},
		{"HOME", map[string]string{"HOME": "/home/u"}, "/home/u/.cache/huggingface/hub"},
		{"empty counts as unset", map[string]string{"HF_HUB_CACHE": "", "HF_HOME": "", "HOME": "/home/u"}, "/home/u/.cache/huggingface/hub"},
		{"tilde", map[string]string{"HF_HOME": "~/hf", "HOME": "/home/u"}, "/home/u/hf/hub"},
		{"tilde in hub cache", map[string]string{"HF_HUB_CACHE": "~", "HOME": "/home/u"}, "/home/u"},
		{"nothing", map[string]string{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DefaultCacheDir(envFunc(tt.env)); got != filepath.FromSlash(tt.want) {
				t.Errorf("DefaultCacheDir = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestConfigFromEnv(t *testing.T) {
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, "token"), []byte("hf_fromfile\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  map[string]string
		want Config
	}{
		{"defaults", map[string]string{"HOME": "/h"},
			Config{CacheDir: "/h/.cache/huggingface/hub"}},
		{"all set", map[string]string{"HF_ENDPOINT": "https://mirror.example/", "HF_HUB_CACHE": "/c", "HF_TOKEN": " hf_env ", "HF_HUB_OFFLINE": "yes"},
			Config{Endpoint: "https://mirror.example", CacheDir: "/c", Token: "hf_env", Offline: true}},
		{"token file under HF_HOME", map[string]string{"HF_HOME": home, "TRANSFORMERS_OFFLINE": "1"},
			Config{CacheDir: filepath.Join(home, "hub"), Token: "hf_fromfile", Offline: true}},
		{"HF_TOKEN_PATH", map[string]string{"HF_HOME": "/nowhere", "HF_TOKEN_PATH": filepath.Join(home, "token")},
			Config{CacheDir: "/nowhere/hub", Token: "hf_fromfile"}},
		{"legacy token", map[string]string{"HF_HOME": home, "HUGGING_FACE_HUB_TOKEN": "hf_old"},
			Config{CacheDir: filepath.Join(home, "hub"), Token: "hf_old"}},
		{"offline false values", map[string]string{"HF_HUB_CACHE": "/c", "HF_HUB_OFFLINE": "0", "TRANSFORMERS_OFFLINE": "no"},
			Config{CacheDir: "/c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, ConfigFromEnv(envFunc(tt.env))); diff != "" {
				t.Errorf("ConfigFromEnv (-want +got):\n%s", diff)
			}
		})
	}
}

func TestIsTrue(t *testing.T) {
	for v, want := range map[string]bool{"1": true, "ON": true, "yes": true, "True": true, " true ": true, "0": false, "": false, "off": false, "2": false} {
		if got := isTrue(v); got != want {
			t.Errorf("isTrue(%q) = %v, want %v", v, got, want)
		}
	}
}
