package hfhub

import (
	"os"
	"path/filepath"
	"strings"
)

// DefaultCacheDir is where huggingface_hub keeps its cache, from the first
// of: HF_HUB_CACHE, HUGGINGFACE_HUB_CACHE (legacy), $HF_HOME/hub,
// $XDG_CACHE_HOME/huggingface/hub, ~/.cache/huggingface/hub. Empty
// variables count as unset; a leading "~" means $HOME. It returns "" when
// none is set and HOME is empty.
func DefaultCacheDir(getenv func(string) string) string {
	for _, k := range []string{"HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"} {
		if v := getenv(k); v != "" {
			return expandHome(v, getenv)
		}
	}
	if home := hfHome(getenv); home != "" {
		return filepath.Join(home, "hub")
	}
	return ""
}

// hfHome is huggingface_hub's HF_HOME: the variable, else
// $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface.
func hfHome(getenv func(string) string) string {
	if v := getenv("HF_HOME"); v != "" {
		return expandHome(v, getenv)
	}
	if v := getenv("XDG_CACHE_HOME"); v != "" {
		return filepath.Join(expandHome(v, getenv), "huggingface")
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".cache", "huggingface")
	}
	return ""
}

// expandHome replaces a leading "~" (alone or before a separator) with
// $HOME, as Python's os.path.expanduser does.
func expandHome(p string, getenv func(string) string) string {
	home := getenv("HOME")
	if home == "" {
		return p
	}
	if p == "~" {
		return home
	}
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		return filepath.Join(home, rest)
	}
	return p
}

// ConfigFromEnv maps huggingface_hub's environment variables onto a
// Config: HF_ENDPOINT; the cache directory of DefaultCacheDir; HF_TOKEN
// (legacy HUGGING_FACE_HUB_TOKEN), else the token file that `hf auth login`
// writes ($HF_TOKEN_PATH, else $HF_HOME/token); HF_HUB_OFFLINE or
// TRANSFORMERS_OFFLINE set to 1, ON, YES or TRUE (any case).
func ConfigFromEnv(getenv func(string) string) Config {
	cfg := Config{
		Endpoint: strings.TrimRight(getenv("HF_ENDPOINT"), "/"),
		CacheDir: DefaultCacheDir(getenv),
		Offline:  isTrue(getenv("HF_HUB_OFFLINE")) || isTrue(getenv("TRANSFORMERS_OFFLINE")),
	}
	for _, k := range []string{"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"} {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			cfg.Token = v
			return cfg
		}
	}
	path := getenv("HF_TOKEN_PATH")
	if path == "" {
		if home := hfHome(getenv); home != "" {
			path = filepath.Join(home, "token")
		}
	}
	if path != "" {
		if b, err := os.ReadFile(expandHome(path, getenv)); err == nil {
			cfg.Token = strings.TrimSpace(string(b))
		}
	}
	return cfg
}

// isTrue reads a boolean variable as huggingface_hub does.
func isTrue(v string) bool {
	switch strings.ToUpper(strings.TrimSpace(v)) {
	case "1", "ON", "YES", "TRUE":
		return true
	}
	return false
}
