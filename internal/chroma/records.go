package chroma

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
)

// Records is a batch to write, column by column as the API takes it:
// Embeddings[i], Metadatas[i] and Documents[i] belong to IDs[i].
// Metadatas and Documents may be nil. Metadata values must be scalars
// (string, bool, integer or float); Chroma refuses lists and nulls, so
// join lists into strings.
type Records struct {
	IDs        []string
	Embeddings [][]float32
	Metadatas  []map[string]any
	Documents  []string
}

// Record is one record read back. Fields that were not included are zero.
type Record struct {
	ID        string
	Embedding []float32
	Metadata  map[string]any // ints come back as int64, floats as float64
	Document  string
}

// Include names a field Get or Query returns.
type Include string

// The fields Get and Query can return.
const (
	IncludeDistances  Include = "distances"
	IncludeDocuments  Include = "documents"
	IncludeEmbeddings Include = "embeddings"
	IncludeMetadatas  Include = "metadatas"
)

// Upsert writes records, replacing those whose ids exist. Embeddings go as
// base64 little-endian float32 when the server's PreFlight allows it (it
// is asked once per Client), else as JSON numbers. The caller keeps
// batches within PreFlight's MaxBatchSize.
func (col *Collection) Upsert(ctx context.Context, r Records) error {
	if err := r.check(); err != nil {
		return fmt.Errorf("upsert into %q: %w", col.name, err)
	}
	b64, err := col.c.base64Embeddings(ctx)
	if err != nil {
		return fmt.Errorf("upsert into %q: %w", col.name, err)
	}
	body := map[string]any{"ids": r.IDs, "embeddings": encodeEmbeddings(r.Embeddings, b64)}
	if r.Metadatas != nil {
		mds := make([]map[string]any, len(r.Metadatas))
		for i, m := range r.Metadatas {
			mds[i] = keepFloats(m)
		}
		body["metadatas"] = mds
	}
	if r.Documents != nil {
		body["documents"] = r.Documents
	}
	if err := col.c.do(ctx, request{method: http.MethodPost, path: col.c.collectionPath(col.id) + "/upsert", body: body, idempotent: true}); err != nil {
		return fmt.Errorf("upsert %d records into %q: %w", len(r.IDs), col.name, err)
	}
	return nil
}

// check finds what the server would refuse with a less helpful message.
func (r Records) check() error {
	n := len(r.IDs)
	switch {
	case n == 0:
		return errors.New("no records")
	case len(r.Embeddings) != n:
		return fmt.Errorf("%d ids but %d embeddings", n, len(r.Embeddings))
	case r.Metadatas != nil && len(r.Metadatas) != n:
		return fmt.Errorf("%d ids but %d metadatas", n, len(r.Metadatas))
	case r.Documents != nil && len(r.Documents) != n:
		return fmt.Errorf("%d ids but %d documents", n, len(r.Documents))
	}
	for i, e := range r.Embeddings {
		if len(e) == 0 || len(e) != len(r.Embeddings[0]) {
			return fmt.Errorf("record %q has an embedding of %d values, the first has %d", r.IDs[i], len(e), len(r.Embeddings[0]))
		}
	}
	for i, m := range r.Metadatas {
		if err := checkMetadata(m); err != nil {
			return fmt.Errorf("record %q: %w", r.IDs[i], err)
		}
	}
	return nil
}

// checkMetadata accepts the scalar values Chroma stores.
func checkMetadata(m map[string]any) error {
	for k, v := range m {
		switch v := v.(type) {
		case string, bool, int, int8, int16, int32, int64, uint8, uint16, uint32:
		case float32:
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("metadata %q is %v, which JSON cannot carry", k, v)
			}
		case float64:
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("metadata %q is %v, which JSON cannot carry", k, v)
			}
		default:
			return fmt.Errorf("metadata %q is a %T; Chroma stores only strings, booleans, integers and floats (join lists into a string)", k, v)
		}
	}
	return nil
}

// keepFloats returns m with its float values wrapped so that they encode
// as JSON floats. encoding/json writes 4.0 as 4, which Chroma would store
// as an int: it would read back as one, and Chroma 1.0 compares an int
// field with a float operand truncated, so {"$eq": 4.5} would match it.
func keepFloats(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		switch v := v.(type) {
		case float64:
			out[k] = jsonFloat{v, 64}
		case float32:
			out[k] = jsonFloat{float64(v), 32}
		default:
			out[k] = v
		}
	}
	return out
}

// jsonFloat is a float that always encodes with a '.' or an exponent.
type jsonFloat struct {
	f    float64
	bits int
}

func (j jsonFloat) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(j.value())
	if err != nil {
		return nil, err
	}
	if !bytes.ContainsAny(b, ".eE") {
		b = append(b, ".0"...)
	}
	return b, nil
}

// value is the float as encoding/json should see it: float32 values are
// written with float32's shortest digits.
func (j jsonFloat) value() any {
	if j.bits == 32 {
		return float32(j.f)
	}
	return j.f
}

// encodeEmbeddings is the API's embeddings field: base64 strings of
// little-endian float32, or the float arrays themselves.
func encodeEmbeddings(embs [][]float32, b64 bool) any {
	if !b64 {
		return embs
	}
	out := make([]string, len(embs))
	var buf []byte
	for i, e := range embs {
		buf = buf[:0]
		for _, f := range e {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(f))
		}
		out[i] = base64.StdEncoding.EncodeToString(buf)
	}
	return out
}

// GetRequest selects records by ids, a where filter on metadata, a
// where_document filter on documents, or any mix (all must hold). Filters
// are the API's JSON as maps, e.g. {"year": {"$gte": 2024}}.
type GetRequest struct {
	IDs           []string
	Where         map[string]any
	WhereDocument map[string]any
	Limit         int // 0: no limit
	Offset        int
	// Include defaults (nil) to metadatas and documents, as Chroma's own
	// default; an empty, non-nil slice returns ids only.
	Include []Include
}

// Get returns the records the request selects.
func (col *Collection) Get(ctx context.Context, q GetRequest) ([]Record, error) {
	inc := q.Include
	if inc == nil {
		inc = []Include{IncludeMetadatas, IncludeDocuments}
	}
	// The include field is always sent: a null one is refused with 422.
	body := map[string]any{"include": inc}
	setFilters(body, q.IDs, q.Where, q.WhereDocument)
	if q.Limit > 0 {
		body["limit"] = q.Limit
	}
	if q.Offset > 0 {
		body["offset"] = q.Offset
	}
	var resp struct {
		IDs        []string         `json:"ids"`
		Embeddings [][]float32      `json:"embeddings"`
		Metadatas  []map[string]any `json:"metadatas"`
		Documents  []string         `json:"documents"`
	}
	if err := col.c.do(ctx, request{method: http.MethodPost, path: col.c.collectionPath(col.id) + "/get", body: body, out: &resp, idempotent: true}); err != nil {
		return nil, fmt.Errorf("get from %q: %w", col.name, err)
	}
	recs := make([]Record, len(resp.IDs))
	for i, id := range resp.IDs {
		recs[i] = Record{ID: id, Embedding: at(resp.Embeddings, i), Metadata: at(resp.Metadatas, i), Document: at(resp.Documents, i)}
		normalizeMetadata(recs[i].Metadata)
	}
	return recs, nil
}

// QueryRequest asks for the records nearest to one embedding, optionally
// filtered as in GetRequest. Ids must all exist: Chroma answers an unknown
// one with a 500.
type QueryRequest struct {
	Embedding     []float32
	NResults      int // default 10
	Where         map[string]any
	WhereDocument map[string]any
	IDs           []string
	// Include defaults (nil) to distances, metadatas and documents;
	// distances are always asked for.
	Include []Include
}

// Match is one query result, nearest first. Distance is 1 - cos.
type Match struct {
	ID        string
	Distance  float64
	Metadata  map[string]any // ints come back as int64, floats as float64
	Document  string
	Embedding []float32 // only when included
}

// Query returns the records nearest to q.Embedding.
func (col *Collection) Query(ctx context.Context, q QueryRequest) ([]Match, error) {
	if len(q.Embedding) == 0 {
		return nil, fmt.Errorf("query %q: no query embedding", col.name)
	}
	inc := q.Include
	if inc == nil {
		inc = []Include{IncludeMetadatas, IncludeDocuments}
	}
	if !slices.Contains(inc, IncludeDistances) {
		inc = append(slices.Clip(inc), IncludeDistances)
	}
	n := q.NResults
	if n <= 0 {
		n = 10
	}
	body := map[string]any{"query_embeddings": [][]float32{q.Embedding}, "n_results": n, "include": inc}
	setFilters(body, q.IDs, q.Where, q.WhereDocument)
	var resp struct {
		IDs        [][]string         `json:"ids"`
		Distances  [][]float64        `json:"distances"`
		Embeddings [][][]float32      `json:"embeddings"`
		Metadatas  [][]map[string]any `json:"metadatas"`
		Documents  [][]string         `json:"documents"`
	}
	if err := col.c.do(ctx, request{method: http.MethodPost, path: col.c.collectionPath(col.id) + "/query", body: body, out: &resp, idempotent: true}); err != nil {
		return nil, fmt.Errorf("query %q: %w", col.name, err)
	}
	if len(resp.IDs) == 0 {
		return nil, nil
	}
	ms := make([]Match, len(resp.IDs[0]))
	for i, id := range resp.IDs[0] {
		ms[i] = Match{
			ID:        id,
			Distance:  at(at(resp.Distances, 0), i),
			Metadata:  at(at(resp.Metadatas, 0), i),
			Document:  at(at(resp.Documents, 0), i),
			Embedding: at(at(resp.Embeddings, 0), i),
		}
		normalizeMetadata(ms[i].Metadata)
	}
	return ms, nil
}

// setFilters adds the selection fields that are set; unset ones are left
// out rather than sent as null.
func setFilters(body map[string]any, ids []string, where, whereDoc map[string]any) {
	if ids != nil {
		body["ids"] = ids
	}
	if len(where) > 0 {
		body["where"] = where
	}
	if len(whereDoc) > 0 {
		body["where_document"] = whereDoc
	}
}

// at is s[i], or the zero value when the server left the column out.
func at[T any](s []T, i int) T {
	var zero T
	if i < len(s) {
		return s[i]
	}
	return zero
}
