package hfhub

import (
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func metaResponse(status int, h map[string]string, contentLength int64) *http.Response {
	resp := &http.Response{StatusCode: status, Header: http.Header{}, ContentLength: contentLength,
		Request: &http.Request{URL: &url.URL{Scheme: "https", Host: "hf.co", Path: "/o/m/resolve/main/f"}}}
	for k, v := range h {
		resp.Header.Set(k, v)
	}
	return resp
}

func TestParseMeta(t *testing.T) {
	sha := "4613a38a7f79ada3fc343ea4de1488f8828f0fe602d8cb7bdce958040b204b8b"
	commit := "82704ef3b00e2de79f86caa1e2e3d8ee1b0e4e6b"
	tests := []struct {
		name    string
		resp    *http.Response
		want    fileMeta
		wantErr error
	}{
		{"LFS redirect: linked etag and size, not the redirect's length",
			metaResponse(302, map[string]string{"X-Repo-Commit": commit, "X-Linked-Etag": `"` + sha + `"`, "ETag": `"pointer"`, "X-Linked-Size": "5000"}, 341),
			fileMeta{commit: commit, etag: sha, size: 5000}, nil},
		{"redirect without linked size",
			metaResponse(302, map[string]string{"X-Repo-Commit": commit, "ETag": `"abc"`}, 341),
			fileMeta{commit: commit, etag: "abc", size: -1}, nil},
		{"git file, weak etag",
			metaResponse(200, map[string]string{"X-Repo-Commit": commit, "ETag": `W/"ce013625030ba8dba906f756967f9e9ca394464a"`}, 6),
			fileMeta{commit: commit, etag: "ce013625030ba8dba906f756967f9e9ca394464a", size: 6}, nil},
		{"no commit", metaResponse(200, map[string]string{"ETag": `"abc"`}, 6), fileMeta{}, ErrNotHub},
		{"no etag", metaResponse(200, map[string]string{"X-Repo-Commit": commit}, 6), fileMeta{}, ErrNotHub},
		{"path in etag", metaResponse(200, map[string]string{"X-Repo-Commit": commit, "ETag": `"../../x"`}, 6), fileMeta{}, ErrNotHub},
		{"path in commit", metaResponse(200, map[string]string{"X-Repo-Commit": "../x", "ETag": `"a"`}, 6), fileMeta{}, ErrNotHub},
		{"bad linked size", metaResponse(302, map[string]string{"X-Repo-Commit": commit, "ETag": `"a"`, "X-Linked-Size": "-1"}, 6), fileMeta{}, ErrNotHub},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseMeta(tt.resp)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(fileMeta{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzParseMeta: whatever headers a server sends, a commit and etag that
// are accepted are single safe path segments.
func FuzzParseMeta(f *testing.F) {
	f.Add("82704ef3b00e2de79f86caa1e2e3d8ee1b0e4e6b", `"abc"`, `W/"x"`, "12", 302)
	f.Add("", "", "", "", 200)
	f.Add("..", `"../.."`, "", "1e9", 200)
	f.Fuzz(func(t *testing.T, commit, etag, linked, size string, status int) {
		resp := metaResponse(200+status%200, map[string]string{"X-Repo-Commit": commit, "ETag": etag, "X-Linked-Etag": linked, "X-Linked-Size": size}, -1)
		m, err := parseMeta(resp)
		if err != nil {
			return
		}
		for _, s := range []string{m.commit, m.etag} {
			if !safeSegment.MatchString(s) || s == "." || s == ".." {
				t.Errorf("accepted unsafe segment %q", s)
			}
		}
		if m.size < -1 {
			t.Errorf("size %d", m.size)
		}
	})
}

func FuzzContentRangeStart(f *testing.F) {
	f.Add("bytes 100-199/200")
	f.Add("bytes */200")
	f.Fuzz(func(t *testing.T, v string) {
		n, ok := contentRangeStart(v)
		if ok && n < 0 {
			t.Errorf("contentRangeStart(%q) = %d", v, n)
		}
	})
}
