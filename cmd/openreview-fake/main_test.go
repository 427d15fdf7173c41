package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the writer goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRunServesAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-v1-addr", "127.0.0.1:0", "-scale", "20", "-user", "me@example.org", "-password", "it's"}, &stdout, &stderr)
	}()
	re := regexp.MustCompile(`export OPENREVIEW_BASEURL=(\S+)\nexport OPENREVIEW_V1_BASEURL=(\S+)\n`)
	var m []string
	for deadline := time.Now().Add(5 * time.Second); m == nil && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		m = re.FindStringSubmatch(stdout.String())
	}
	if m == nil {
		cancel()
		t.Fatalf("no URLs printed; stdout %q stderr %q", stdout.String(), stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"export OPENREVIEW_USERNAME=me@example.org\n", `export OPENREVIEW_PASSWORD='it'\''s'` + "\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	resp, err := http.Post(m[1]+"/login", "application/json", strings.NewReader(`{"id":"me@example.org","password":"it's"}`))
	if err != nil {
		t.Fatal(err)
	}
	var body struct{ Token string }
	err = json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if err != nil || body.Token == "" {
		t.Fatalf("login on the printed v2 URL: %v, token %q", err, body.Token)
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, m[2]+"/notes?invitation=ICLR.cc/2017/conference/-/submission&limit=1", nil)
	req.Header.Set("Authorization", "Bearer "+body.Token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("v1 notes on the printed v1 URL: %v", err)
	}
	resp.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run returned %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("run did not stop after cancel")
	}
}

func TestRunBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-gate", "captcha"}, {"extra"}, {"-scale", "many"}} {
		var out, errOut bytes.Buffer
		if err := run(t.Context(), args, &out, &errOut); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
	}
}
