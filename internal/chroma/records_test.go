package chroma

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestUpsertEncoding(t *testing.T) {
	embs := [][]float32{{1, -0.5, math.SmallestNonzeroFloat32}, {0.1, 2, 3}}
	tests := []struct {
		name      string
		preflight string
		want      any // the embeddings field as JSON decodes it
	}{
		{name: "base64", preflight: `{"max_batch_size":5461,"supports_base64_encoding":true}`,
			want: []any{b64(embs[0]), b64(embs[1])}},
		{name: "numbers", preflight: `{"max_batch_size":5461,"supports_base64_encoding":false}`,
			// The shortest text that reads back as the same float32.
			want: []any{[]any{1.0, -0.5, 1e-45}, []any{0.1, 2.0, 3.0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, answer{200, tt.preflight})
			c, _ := f.client(t, "")
			col := &Collection{c: c, id: "3d09", name: "papers"}
			r := Records{IDs: []string{"a", "b"}, Embeddings: embs}
			// Twice: the pre-flight answer is remembered.
			for range 2 {
				if err := col.Upsert(t.Context(), r); err != nil {
					t.Fatal(err)
				}
			}
			got := f.requests()
			if len(got) != 3 {
				t.Fatalf("server saw %d requests, want pre-flight and two upserts", len(got))
			}
			if diff := cmp.Diff(tt.want, got[1].Body["embeddings"]); diff != "" {
				t.Errorf("embeddings (-want +got):\n%s", diff)
			}
			if _, ok := got[1].Body["metadatas"]; ok {
				t.Error("upsert sent metadatas though there were none")
			}
		})
	}
}

// b64 encodes independently of encodeEmbeddings: float32 bits, little
// endian, standard base64.
func b64(e []float32) string {
	b := make([]byte, 4*len(e))
	for i, f := range e {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return base64.StdEncoding.EncodeToString(b)
}

func TestRecordsCheck(t *testing.T) {
	one := [][]float32{{1, 2}}
	tests := []struct {
		name    string
		r       Records
		wantErr string
	}{
		{name: "empty", r: Records{}, wantErr: "no records"},
		{name: "missing embeddings", r: Records{IDs: []string{"a"}}, wantErr: "1 ids but 0 embeddings"},
		{name: "metadatas count", r: Records{IDs: []string{"a"}, Embeddings: one, Metadatas: []map[string]any{{}, {}}}, wantErr: "1 ids but 2 metadatas"},
		{name: "documents count", r: Records{IDs: []string{"a"}, Embeddings: one, Documents: []string{}}, wantErr: "1 ids but 0 documents"},
		{name: "ragged", r: Records{IDs: []string{"a", "b"}, Embeddings: [][]float32{{1, 2}, {1}}}, wantErr: `record "b" has an embedding of 1 values, the first has 2`},
		{name: "list metadata", r: Records{IDs: []string{"a"}, Embeddings: one, Metadatas: []map[string]any{{"keywords": []string{"gnn"}}}},
			wantErr: `record "a": metadata "keywords" is a []string`},
		{name: "null metadata", r: Records{IDs: []string{"a"}, Embeddings: one, Metadatas: []map[string]any{{"venue": nil}}},
			wantErr: `metadata "venue" is a <nil>`},
		{name: "nan metadata", r: Records{IDs: []string{"a"}, Embeddings: one, Metadatas: []map[string]any{{"score": math.NaN()}}},
			wantErr: `metadata "score" is NaN`},
		{name: "ok", r: Records{IDs: []string{"a"}, Embeddings: one, Metadatas: []map[string]any{{"year": 2024, "venue": "ICLR", "oral": true, "score": 7.5}}, Documents: []string{"x"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.r.check()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestRequestBodies(t *testing.T) {
	tests := []struct {
		name string
		call func(context.Context, *Collection) error
		want map[string]any
	}{
		{name: "get defaults", call: func(ctx context.Context, col *Collection) error {
			_, err := col.Get(ctx, GetRequest{IDs: []string{"a"}})
			return err
		}, want: map[string]any{"ids": []any{"a"}, "include": []any{"metadatas", "documents"}}},
		{name: "get ids only", call: func(ctx context.Context, col *Collection) error {
			_, err := col.Get(ctx, GetRequest{Where: map[string]any{"year": 2024}, Limit: 5, Offset: 10, Include: []Include{}})
			return err
		}, want: map[string]any{"where": map[string]any{"year": 2024.0}, "limit": 5.0, "offset": 10.0, "include": []any{}}},
		{name: "query defaults", call: func(ctx context.Context, col *Collection) error {
			_, err := col.Query(ctx, QueryRequest{Embedding: []float32{1, 0}})
			return err
		}, want: map[string]any{"query_embeddings": []any{[]any{1.0, 0.0}}, "n_results": 10.0, "include": []any{"metadatas", "documents", "distances"}}},
		{name: "query adds distances", call: func(ctx context.Context, col *Collection) error {
			_, err := col.Query(ctx, QueryRequest{Embedding: []float32{1}, NResults: 3, Include: []Include{},
				WhereDocument: map[string]any{"$contains": "graph"}})
			return err
		}, want: map[string]any{"query_embeddings": []any{[]any{1.0}}, "n_results": 3.0, "include": []any{"distances"},
			"where_document": map[string]any{"$contains": "graph"}}},
		{name: "delete", call: func(ctx context.Context, col *Collection) error {
			return col.Delete(ctx, []string{"a", "b"})
		}, want: map[string]any{"ids": []any{"a", "b"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, answer{200, `{"ids":[]}`})
			c, _ := f.client(t, "")
			if err := tt.call(t.Context(), &Collection{c: c, id: "3d09", name: "papers"}); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, f.requests()[0].Body); diff != "" {
				t.Errorf("request body (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDeleteNothing(t *testing.T) {
	f := newFake(t)
	c, _ := f.client(t, "")
	if err := (&Collection{c: c, id: "3d09"}).Delete(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("deleting no ids sent %d requests; the API would refuse an empty list", n)
	}
}

func TestCollectionCreate(t *testing.T) {
	const cosineColl = `{"id":"3d09","name":"papers","configuration_json":{"hnsw":{"space":"cosine"}},"metadata":{"hnsw:space":"cosine","dim":768,"scale":0.5,"model":"specter2"}}`
	f := newFake(t, answer{200, cosineColl})
	c, _ := f.client(t, "")
	col, err := c.Collection(t.Context(), "papers", map[string]any{"model": "specter2", "dim": 768}, true)
	if err != nil {
		t.Fatal(err)
	}
	req := f.requests()[0]
	want := seen{Method: "POST", Path: "/api/v2/tenants/default_tenant/databases/default_database/collections", Body: map[string]any{
		"name":          "papers",
		"configuration": map[string]any{"hnsw": map[string]any{"space": "cosine", "ef_construction": 200.0, "ef_search": 200.0, "max_neighbors": 32.0}},
		"metadata":      map[string]any{"hnsw:space": "cosine", "model": "specter2", "dim": 768.0},
		"get_or_create": true,
	}}
	if diff := cmp.Diff(want, req); diff != "" {
		t.Errorf("request (-want +got):\n%s", diff)
	}
	wantMD := map[string]any{"hnsw:space": "cosine", "dim": int64(768), "scale": 0.5, "model": "specter2"}
	if diff := cmp.Diff(wantMD, col.Metadata()); diff != "" {
		t.Errorf("metadata (-want +got):\n%s", diff)
	}
	if col.ID() != "3d09" || col.Name() != "papers" {
		t.Errorf("ID %q Name %q, want 3d09 papers", col.ID(), col.Name())
	}
}

func TestCollectionSpace(t *testing.T) {
	tests := []struct {
		name, body, wantErr string
	}{
		{name: "l2 configuration", body: `{"id":"1","configuration_json":{"hnsw":{"space":"l2"}}}`, wantErr: "uses l2 distance, not cosine"},
		{name: "no configuration is l2", body: `{"id":"1","configuration_json":{}}`, wantErr: "uses l2 distance"},
		{name: "legacy metadata", body: `{"id":"1","configuration_json":{},"metadata":{"hnsw:space":"cosine"}}`},
		{name: "spann", body: `{"id":"1","configuration_json":{"spann":{"space":"ip"}}}`, wantErr: "uses ip distance"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, answer{200, tt.body})
			c, _ := f.client(t, "")
			_, err := c.Collection(t.Context(), "papers", nil, false)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("error %v, want one containing %q", err, tt.wantErr)
			}
			if got := f.requests()[0]; got.Method != "GET" || !strings.HasSuffix(got.Path, "/collections/papers") {
				t.Errorf("opening without create sent %s %s, want GET …/collections/papers", got.Method, got.Path)
			}
		})
	}
}

func TestEnsureDatabase(t *testing.T) {
	const conflict = `{"error":"ChromaError","message":"Tenant [acme] already exists"}`
	tests := []struct {
		name   string
		script []answer
		want   []string // method and path of each request
	}{
		{name: "exists", script: []answer{{200, `{}`}}, want: []string{"GET /api/v2/tenants/acme/databases/papers"}},
		{name: "created", script: []answer{{404, `{}`}, {200, `{}`}, {200, `{}`}}, want: []string{
			"GET /api/v2/tenants/acme/databases/papers", "POST /api/v2/tenants", "POST /api/v2/tenants/acme/databases"}},
		{name: "tenant exists", script: []answer{{404, `{}`}, {409, conflict}, {200, `{}`}}, want: []string{
			"GET /api/v2/tenants/acme/databases/papers", "POST /api/v2/tenants", "POST /api/v2/tenants/acme/databases"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, tt.script...)
			c, err := New(Config{URL: strings.Replace(f.srv.URL, "http://", "chroma://", 1) + "/acme/papers"})
			if err != nil {
				t.Fatal(err)
			}
			if err := c.EnsureDatabase(t.Context()); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range f.requests() {
				got = append(got, r.Method+" "+r.Path)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNormalizeMetadata(t *testing.T) {
	f := newFake(t, answer{200, `{"ids":["a"],"metadatas":[{"year":2024,"score":2.0,"big":1e3,"venue":"ICLR","oral":true}],"documents":[null]}`})
	c, _ := f.client(t, "")
	recs, err := (&Collection{c: c, id: "3d09"}).Get(t.Context(), GetRequest{IDs: []string{"a"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []Record{{ID: "a", Metadata: map[string]any{"year": int64(2024), "score": 2.0, "big": 1000.0, "venue": "ICLR", "oral": true}}}
	if diff := cmp.Diff(want, recs); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestKeepFloats(t *testing.T) {
	md := map[string]any{"whole": 4.0, "f32": float32(0.1), "int": 3, "big": 1e21, "tiny": 1e-7, "neg": -2.0, "s": "x", "b": true}
	got, err := json.Marshal(keepFloats(md))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"b":true,"big":1e+21,"f32":0.1,"int":3,"neg":-2.0,"s":"x","tiny":1e-7,"whole":4.0}`
	if string(got) != want {
		t.Errorf("encoded %s, want %s", got, want)
	}
	if keepFloats(nil) != nil {
		t.Error("keepFloats(nil) is not nil: upsert would send an empty metadata object")
	}
}
