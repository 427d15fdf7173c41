package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
)

// pageWeight is what a browser downloads on its first visit to the
// search page: the HTML and every static file it links (bodies only).
type pageWeight struct {
	Files []fileWeight `json:"files"`
	Plain int          `json:"plain_bytes"`
	Gzip  int          `json:"gzip_bytes"`
}

type fileWeight struct {
	Path  string `json:"path"`
	Plain int    `json:"plain_bytes"`
	Gzip  int    `json:"gzip_bytes"` // as sent to a client accepting gzip
}

// staticLink finds the page's links to its own files: stylesheet, icon,
// script.
var staticLink = regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`)

func weighPage(ctx context.Context, base string) (pageWeight, error) {
	// No transparent decompression: the bytes counted are those on the wire.
	hc := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	defer hc.CloseIdleConnections()
	var pw pageWeight
	html, home, err := weighFile(ctx, hc, base, "/")
	if err != nil {
		return pw, err
	}
	pw.Files = append(pw.Files, home)
	for _, m := range staticLink.FindAllStringSubmatch(string(html), -1) {
		_, fw, err := weighFile(ctx, hc, base, m[1])
		if err != nil {
			return pw, err
		}
		pw.Files = append(pw.Files, fw)
	}
	for _, f := range pw.Files {
		pw.Plain += f.Plain
		pw.Gzip += f.Gzip
	}
	return pw, nil
}

// weighFile fetches path without and with gzip, and returns the plain body.
func weighFile(ctx context.Context, hc *http.Client, base, path string) ([]byte, fileWeight, error) {
	fw := fileWeight{Path: path}
	var plain []byte
	for _, gz := range []bool{false, true} {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
		if err != nil {
			return nil, fw, fmt.Errorf("new request %s: %w", path, err)
		}
		if gz {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		resp, err := hc.Do(req)
		if err != nil {
			return nil, fw, fmt.Errorf("get %s: %w", path, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, fw, fmt.Errorf("read %s: %w", path, err)
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fw, fmt.Errorf("get %s: status %d: %.200s", path, resp.StatusCode, body)
		}
		if gz {
			fw.Gzip = len(body)
		} else {
			fw.Plain, plain = len(body), body
		}
	}
	return plain, fw, nil
}
