package hubtest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const writeTok = "hf_write"

// send sends a request with a body and the given headers, not following
// redirects.
func send(t *testing.T, method, url string, hdr map[string]string, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp, out
}

var auth = map[string]string{"Authorization": "Bearer " + writeTok}

func lfsHeaders() map[string]string {
	return map[string]string{"Authorization": "Bearer " + writeTok, "Accept": lfsType, "Content-Type": lfsType}
}

// ndjson is a commit payload of lines.
func ndjson(lines ...string) []byte {
	return []byte(`{"key":"header","value":{"summary":"test"}}` + "\n" + strings.Join(lines, "\n") + "\n")
}

func lfsLine(path string, data []byte) string {
	return fmt.Sprintf(`{"key":"lfsFile","value":{"path":%q,"algo":"sha256","oid":%q,"size":%d}}`, path, SHA256(data), len(data))
}

func fileLine(path string, data []byte) string {
	return fmt.Sprintf(`{"key":"file","value":{"path":%q,"content":%q,"encoding":"base64"}}`, path, base64.StdEncoding.EncodeToString(data))
}

// commitTo posts a commit payload; repo is "{models,datasets,spaces}/org/name".
func commitTo(t *testing.T, s *Server, repo, rev string, payload []byte) (*http.Response, []byte) {
	t.Helper()
	return send(t, "POST", s.URL()+"/api/"+repo+"/commit/"+rev, map[string]string{
		"Authorization": "Bearer " + writeTok, "Content-Type": ndjsonType}, payload)
}

func TestWriteAuth(t *testing.T) {
	s := newTestServer(t)
	s.SetWriteToken(writeTok)
	routes := []struct{ name, path string }{
		{"create", "/api/repos/create"},
		{"preupload", "/api/models/org/model/preupload/main"},
		{"commit", "/api/models/org/model/commit/main"},
		{"lfs batch", "/org/model.git/info/lfs/objects/batch"},
		{"verify", "/org/model.git/info/lfs/objects/verify"},
	}
	for _, r := range routes {
		for _, tt := range []struct {
			auth   string
			status int
		}{{"", 401}, {"Bearer hf_other", 403}} {
			resp, _ := send(t, "POST", s.URL()+r.path, map[string]string{"Authorization": tt.auth}, []byte("{}"))
			if resp.StatusCode != tt.status || resp.Header.Get("X-Error-Message") == "" {
				t.Errorf("%s with %q: status %d, want %d with X-Error-Message", r.name, tt.auth, resp.StatusCode, tt.status)
			}
		}
	}
}

func TestCreate(t *testing.T) {
	s := newTestServer(t)
	s.SetWriteToken(writeTok)
	tests := []struct {
		name, body string
		status     int
	}{
		{"dataset", `{"name":"idx","organization":"org","type":"dataset","private":true}`, 200},
		{"again", `{"name":"idx","organization":"org","type":"dataset"}`, 409},
		{"existing model", `{"name":"model","organization":"org"}`, 409},
		{"space without sdk", `{"name":"app","organization":"org","type":"space"}`, 400},
		{"space", `{"name":"app","organization":"org","type":"space","sdk":"docker"}`, 200},
		{"bad type", `{"name":"x","type":"bucket"}`, 400},
		{"bad name", `{"name":"a/b"}`, 400},
	}
	for _, tt := range tests {
		resp, _ := send(t, "POST", s.URL()+"/api/repos/create", auth, []byte(tt.body))
		if resp.StatusCode != tt.status {
			t.Errorf("%s: status %d, want %d", tt.name, resp.StatusCode, tt.status)
		}
	}
	if fi, ok := s.File("datasets/org/idx", "main", ".gitattributes"); !ok || !bytes.Contains(fi.Data, []byte("*.safetensors filter=lfs")) {
		t.Errorf("new repo: .gitattributes = %q, %v", fi.Data, ok)
	}
	for hdr, want := range map[string]int{"": 401, "Bearer hf_other": 404, "Bearer " + writeTok: 307} {
		resp, _ := do(t, "HEAD", s.URL()+"/datasets/org/idx/resolve/main/.gitattributes", map[string]string{"Authorization": hdr})
		if resp.StatusCode != want {
			t.Errorf("private repo read with %q: status %d, want %d", hdr, resp.StatusCode, want)
		}
	}
}

func TestPreupload(t *testing.T) {
	s := newTestServer(t)
	s.SetLFSThreshold(100)
	if _, err := s.SetFiles("org/model", "main", Files{".gitignore": []byte("*.tmp\nscratch/\n"), "config.json": config}); err != nil {
		t.Fatal(err)
	}
	type entry struct {
		Path         string `json:"path"`
		UploadMode   string `json:"uploadMode"`
		ShouldIgnore bool   `json:"shouldIgnore"`
		OID          string `json:"oid,omitempty"`
	}
	tests := []struct {
		path   string
		sample []byte
		size   int
		want   entry
	}{
		{"empty.bin", nil, 0, entry{Path: "empty.bin", UploadMode: "regular"}},
		{"notes.txt", []byte("hello"), 5, entry{Path: "notes.txt", UploadMode: "regular"}},
		{"vectors.f16", []byte("a\x00b"), 3, entry{Path: "vectors.f16", UploadMode: "lfs"}},
		{"w.safetensors", []byte("{}"), 2, entry{Path: "w.safetensors", UploadMode: "lfs"}},
		{"large.txt", []byte("x"), 100, entry{Path: "large.txt", UploadMode: "lfs"}},
		{"a/b.tmp", []byte("x"), 1, entry{Path: "a/b.tmp", UploadMode: "regular", ShouldIgnore: true}},
		{"scratch/c.txt", []byte("x"), 1, entry{Path: "scratch/c.txt", UploadMode: "regular", ShouldIgnore: true}},
		{"config.json", config, len(config), entry{Path: "config.json", UploadMode: "regular", OID: GitBlobSHA1(config)}},
	}
	var req struct {
		Files []map[string]any `json:"files"`
	}
	var want []entry
	for _, tt := range tests {
		req.Files = append(req.Files, map[string]any{"path": tt.path, "sample": base64.StdEncoding.EncodeToString(tt.sample), "size": tt.size})
		want = append(want, tt.want)
	}
	body, _ := json.Marshal(req)
	resp, out := send(t, "POST", s.URL()+"/api/models/org/model/preupload/main", auth, body)
	var got struct {
		Files []entry `json:"files"`
	}
	if err := json.Unmarshal(out, &got); err != nil || resp.StatusCode != 200 {
		t.Fatalf("status %d, %s", resp.StatusCode, out)
	}
	if diff := cmp.Diff(want, got.Files); diff != "" {
		t.Errorf("preupload answer (-want +got):\n%s", diff)
	}
	resp, _ = send(t, "POST", s.URL()+"/api/models/org/model/preupload/v9", auth, body)
	if resp.StatusCode != 404 || resp.Header.Get("X-Error-Code") != "RevisionNotFound" {
		t.Errorf("unknown branch: %d %s", resp.StatusCode, resp.Header.Get("X-Error-Code"))
	}
}

// batch asks the LFS batch API about data and returns its one object.
func batch(t *testing.T, s *Server, repo string, data []byte) lfsObject {
	t.Helper()
	body := fmt.Sprintf(`{"operation":"upload","transfers":["basic","multipart"],"hash_algo":"sha256","objects":[{"oid":%q,"size":%d}]}`,
		SHA256(data), len(data))
	resp, out := send(t, "POST", s.URL()+"/"+repo+".git/info/lfs/objects/batch", lfsHeaders(), []byte(body))
	var ans struct{ Objects []lfsObject }
	if err := json.Unmarshal(out, &ans); err != nil || resp.StatusCode != 200 || len(ans.Objects) != 1 {
		t.Fatalf("batch: status %d, %s", resp.StatusCode, out)
	}
	if ct := resp.Header.Get("Content-Type"); ct != lfsType {
		t.Errorf("batch answer Content-Type %q", ct)
	}
	return ans.Objects[0]
}

func TestLFSSinglePut(t *testing.T) {
	s := newTestServer(t)
	data := bytes.Repeat([]byte("vector\x00"), 1000)
	o := batch(t, s, "datasets/org/index", data)
	up, verify := o.Actions["upload"], o.Actions["verify"]
	if up == nil || verify == nil || !strings.HasPrefix(up.Href, s.CDNURL()+"/lfs/") || up.Header["chunk_size"] != "" {
		t.Fatalf("actions %+v, want a single PUT on the CDN and a verify", o.Actions)
	}
	steps := []struct {
		name   string
		method string
		url    string
		hdr    map[string]string
		body   []byte
		status int
	}{
		{"not yet uploaded", "POST", verify.Href, lfsHeaders(), fmt.Appendf(nil, `{"oid":%q,"size":%d}`, SHA256(data), len(data)), 404},
		{"token sent to the CDN", "PUT", up.Href, auth, data, 400},
		{"bad signature", "PUT", strings.Replace(up.Href, "X-Amz-Signature=", "X-Amz-Signature=0", 1), nil, data, 403},
		{"short", "PUT", up.Href, nil, data[:100], 200},
		{"verify short", "POST", verify.Href, lfsHeaders(), fmt.Appendf(nil, `{"oid":%q,"size":%d}`, SHA256(data), len(data)), 404},
		{"commit short", "POST", s.URL() + "/api/datasets/org/index/commit/main", map[string]string{"Authorization": "Bearer x", "Content-Type": ndjsonType},
			ndjson(lfsLine("v.f16", data)), 422},
		{"whole", "PUT", up.Href, nil, data, 200},
		{"verify", "POST", verify.Href, lfsHeaders(), fmt.Appendf(nil, `{"oid":%q,"size":%d}`, SHA256(data), len(data)), 200},
	}
	for _, st := range steps {
		resp, body := send(t, st.method, st.url, st.hdr, st.body)
		if resp.StatusCode != st.status {
			t.Errorf("%s: status %d, want %d: %s", st.name, resp.StatusCode, st.status, body)
		}
	}
	if o := batch(t, s, "datasets/org/index", data); o.Actions != nil {
		t.Errorf("stored object: actions %+v, want none", o.Actions)
	}
	resp, _ := commitTo(t, s, "datasets/org/index", "main", ndjson(lfsLine("v.f16", data)))
	if resp.StatusCode != 200 {
		t.Fatalf("commit: status %d", resp.StatusCode)
	}
	resp, _ = do(t, "HEAD", s.URL()+"/datasets/org/index/resolve/main/v.f16", nil)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("X-Linked-Etag") != `"`+SHA256(data)+`"` {
		t.Errorf("committed LFS file: status %d, X-Linked-Etag %q", resp.StatusCode, resp.Header.Get("X-Linked-Etag"))
	}
}

func TestLFSMultipart(t *testing.T) {
	s := newTestServer(t)
	s.SetMultipartChunk(10)
	data := []byte("0123456789abcdefghijKLMNO")
	o := batch(t, s, "org/model", data)
	up := o.Actions["upload"]
	if diff := cmp.Diff([]string{"1", "2", "3", "chunk_size"}, sortedKeys(up.Header)); diff != "" || up.Header["chunk_size"] != "10" {
		t.Fatalf("multipart header keys (-want +got):\n%s", diff)
	}
	var parts []string
	for i, n := range []string{"1", "2", "3"} {
		resp, _ := send(t, "PUT", up.Header[n], nil, data[i*10:min(i*10+10, len(data))])
		parts = append(parts, fmt.Sprintf(`{"partNumber":%d,"etag":%q}`, i+1, resp.Header.Get("ETag")))
	}
	wrong := strings.Replace(parts[1], `"etag":"`, `"etag":"x`, 1)
	for _, tt := range []struct {
		name  string
		parts []string
		want  int
	}{
		{"wrong etag", []string{parts[0], wrong, parts[2]}, 400},
		{"missing part", parts[:2], 400},
		{"all parts", parts, 200},
	} {
		body := fmt.Sprintf(`{"oid":%q,"parts":[%s]}`, SHA256(data), strings.Join(tt.parts, ","))
		if resp, out := send(t, "POST", up.Href, map[string]string{"Content-Type": lfsType}, []byte(body)); resp.StatusCode != tt.want {
			t.Errorf("%s: status %d, want %d: %s", tt.name, resp.StatusCode, tt.want, out)
		}
	}
	if resp, out := commitTo(t, s, "models/org/model", "main", ndjson(lfsLine("parts.bin", data))); resp.StatusCode != 200 {
		t.Fatalf("commit: %d %s", resp.StatusCode, out)
	}
	if fi, ok := s.File("org/model", "main", "parts.bin"); !ok || !bytes.Equal(fi.Data, data) || !fi.LFS {
		t.Errorf("File = %+v, %v", fi, ok)
	}
}

func TestCommit(t *testing.T) {
	s := newTestServer(t)
	old := s.Commit("org/model", "main")
	tests := []struct {
		name    string
		rev     string
		ctype   string
		payload []byte
		status  int
		code    string
	}{
		{"not uploaded", "main", ndjsonType, ndjson(lfsLine("x.bin", []byte("never sent"))), 422, ""},
		{"delete missing", "main", ndjsonType, ndjson(`{"key":"deletedFile","value":{"path":"nope"}}`), 404, "EntryNotFound"},
		{"unknown branch", "v9", ndjsonType, ndjson(fileLine("a.txt", []byte("a"))), 404, "RevisionNotFound"},
		{"stale parent", "main", ndjsonType, []byte(`{"key":"header","value":{"summary":"s","parentCommit":"` +
			strings.Repeat("0", 40) + `"}}` + "\n"), 412, ""},
		{"no header", "main", ndjsonType, []byte(fileLine("a.txt", []byte("a"))), 400, ""},
		{"JSON payload", "main", "application/json", ndjson(), 400, ""},
		{"not base64", "main", ndjsonType, ndjson(`{"key":"file","value":{"path":"a.txt","content":"!!","encoding":"base64"}}`), 400, ""},
		{"bad path", "main", ndjsonType, ndjson(fileLine("../a.txt", []byte("a"))), 400, ""},
	}
	for _, tt := range tests {
		resp, _ := send(t, "POST", s.URL()+"/api/models/org/model/commit/"+tt.rev, map[string]string{
			"Authorization": "Bearer x", "Content-Type": tt.ctype}, tt.payload)
		if resp.StatusCode != tt.status || resp.Header.Get("X-Error-Code") != tt.code || resp.Header.Get("X-Error-Message") == "" {
			t.Errorf("%s: status %d code %q, want %d %q with a message", tt.name, resp.StatusCode, resp.Header.Get("X-Error-Code"), tt.status, tt.code)
		}
	}
	if got := s.Commit("org/model", "main"); got != old {
		t.Fatalf("refused commits moved main to %s", got)
	}
	payload := ndjson(fileLine("notes/a.txt", []byte("a")), `{"key":"deletedFolder","value":{"path":"sub"}}`,
		`{"key":"deletedFile","value":{"path":"config.json"}}`)
	resp, out := commitTo(t, s, "models/org/model", "main", payload)
	var ans struct{ CommitOID, CommitURL string }
	json.Unmarshal(out, &ans)
	if resp.StatusCode != 200 || ans.CommitOID != s.Commit("org/model", "main") || ans.CommitURL != s.URL()+"/org/model/commit/"+ans.CommitOID {
		t.Fatalf("commit: status %d, %s", resp.StatusCode, out)
	}
	_, body := do(t, "GET", s.URL()+"/api/models/org/model", nil)
	want := `"siblings":[{"rfilename":"model.safetensors"},{"rfilename":"notes/a.txt"}]`
	if !strings.Contains(string(body), want) {
		t.Errorf("info after the commit: %s, want %s", body, want)
	}
	if _, ok := s.File("org/model", old, "config.json"); !ok {
		t.Errorf("the old commit lost config.json")
	}
}

// TestWriteFaults: a fault naming a file hits the write whose body names
// it, and a route narrows it further.
func TestWriteFaults(t *testing.T) {
	s := newTestServer(t)
	s.AddFault(Fault{Kind: FaultStatus, Method: "POST", Route: "commit", File: "b.txt", Status: 503})
	pre := func(path string) int {
		body := fmt.Sprintf(`{"files":[{"path":%q,"sample":"","size":1}]}`, path)
		resp, _ := send(t, "POST", s.URL()+"/api/models/org/model/preupload/main", auth, []byte(body))
		return resp.StatusCode
	}
	com := func(path string) int {
		resp, _ := commitTo(t, s, "models/org/model", "main", ndjson(fileLine(path, []byte("x"))))
		return resp.StatusCode
	}
	got := []int{pre("b.txt"), com("a.txt"), com("b.txt"), com("b.txt")}
	if diff := cmp.Diff([]int{200, 200, 503, 200}, got); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	var routes []string
	for _, r := range s.Requests() {
		routes = append(routes, r.Route)
	}
	if diff := cmp.Diff([]string{"preupload", "commit", "commit", "commit"}, routes); diff != "" {
		t.Errorf("routes logged (-want +got):\n%s", diff)
	}
}
