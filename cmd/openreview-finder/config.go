package main

import (
	"cmp"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/openreview"
)

// config is what every command may need; each command registers the parts
// it uses.
type config struct {
	DataDir         string
	OpenReviewURL   string
	OpenReviewV1URL string
	LogLevel        string
	RequestInterval time.Duration
}

func (c *config) dataFlags(fs *flagSet) {
	fs.stringVar(&c.DataDir, "data-dir", "ORF_DATA_DIR", "./data", "directory for the index and caches")
	fs.stringVar(&c.LogLevel, "log-level", "ORF_LOG_LEVEL", "info", "log level: debug, info, warn or error")
}

func (c *config) openReviewFlags(fs *flagSet) {
	fs.stringVar(&c.OpenReviewURL, "openreview-url", "OPENREVIEW_BASEURL", "https://api2.openreview.net", "OpenReview API v2 base URL")
	fs.stringVar(&c.OpenReviewV1URL, "openreview-v1-url", "OPENREVIEW_V1_BASEURL", "https://api.openreview.net", "OpenReview API v1 base URL")
	fs.durationVar(&c.RequestInterval, "request-interval", "ORF_REQUEST_INTERVAL", time.Second, "least time between two requests to one OpenReview host (0: no pacing)")
}

func (c *config) indexPath() string { return filepath.Join(c.DataDir, "index.sqlite") }
func (c *config) cacheDir() string  { return filepath.Join(c.DataDir, "cache") }

// openReview builds a client; credentials come only from the environment,
// never from flags, so they stay out of shell history and process lists.
func (c *config) openReview(env environ, log *slog.Logger) (*openreview.Client, error) {
	return openreview.New(openreview.Config{
		BaseURL:   strings.TrimRight(c.OpenReviewURL, "/"),
		V1BaseURL: strings.TrimRight(c.OpenReviewV1URL, "/"),
		Username:  env.getenv("OPENREVIEW_USERNAME"),
		Password:  env.getenv("OPENREVIEW_PASSWORD"),
		Token:     env.getenv("OPENREVIEW_TOKEN"),
		Logger:    log.With("component", "openreview"),
		// The client reads a zero interval as "use the default".
		MinInterval: cmp.Or(c.RequestInterval, -1),
	})
}

// logger writes text records to a terminal and JSON records elsewhere
// (containers, CI, log collectors).
func (c *config) logger(env environ, w interface{ Write([]byte) (int, error) }) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return nil, usageError("--log-level must be debug, info, warn or error, not " + c.LogLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	if env.stderrTTY {
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return slog.New(slog.NewJSONHandler(w, opts)), nil
}

func ensureDir(dir string) error { return os.MkdirAll(dir, 0o755) }
