package chroma

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
)

// cosine is the distance every collection of ours uses: 1 - cos(a, b).
const cosine = "cosine"

// Collection is a handle on one collection. Record calls address it by
// its id, as the API requires.
type Collection struct {
	c        *Client
	id       string
	name     string
	metadata map[string]any
}

// ID is the collection's UUID.
func (col *Collection) ID() string { return col.id }

// Name is the collection's name.
func (col *Collection) Name() string { return col.name }

// Metadata is the collection's metadata as the server returned it, with
// values as normalizeMetadata leaves them. It is a copy.
func (col *Collection) Metadata() map[string]any { return maps.Clone(col.metadata) }

// collectionJSON is the part of the API's Collection object we read.
type collectionJSON struct {
	ID            string         `json:"id"`
	Name          string         `json:"name"`
	Metadata      map[string]any `json:"metadata"`
	Configuration struct {
		HNSW  *struct{ Space string } `json:"hnsw"`
		SPANN *struct{ Space string } `json:"spann"`
	} `json:"configuration_json"`
}

// space is the collection's distance, from its configuration or, for
// servers that keep it there, the legacy metadata key; l2 by default.
func (cj *collectionJSON) space() string {
	switch {
	case cj.Configuration.HNSW != nil && cj.Configuration.HNSW.Space != "":
		return cj.Configuration.HNSW.Space
	case cj.Configuration.SPANN != nil && cj.Configuration.SPANN.Space != "":
		return cj.Configuration.SPANN.Space
	}
	if s, ok := cj.Metadata["hnsw:space"].(string); ok {
		return s
	}
	return "l2"
}

// hnswConfig is the graph of a new collection. Chroma's defaults
// (ef_search 100, 16 neighbours) found 7 to 10 of the true 10 nearest on
// closely packed test vectors; a deeper search and a denser graph cost
// little at the sizes of a conference index and bring recall close to 1.
var hnswConfig = map[string]any{"space": cosine, "ef_construction": 200, "ef_search": 200, "max_neighbors": 32}

// Collection opens the collection called name. With create it is created
// when missing, with cosine distance and the given metadata (which a
// collection that already exists keeps as it is); without, a missing
// collection is an error matching ErrNotFound. A collection that exists
// with another distance is refused: its distances would not mean what
// search expects.
func (c *Client) Collection(ctx context.Context, name string, metadata map[string]any, create bool) (*Collection, error) {
	var cj collectionJSON
	var err error
	if create {
		if err = checkMetadata(metadata); err != nil {
			return nil, fmt.Errorf("collection %q: metadata: %w", name, err)
		}
		md := keepFloats(metadata)
		if md == nil {
			md = map[string]any{}
		}
		// Servers before configuration_json read the distance from here.
		md["hnsw:space"] = cosine
		body := map[string]any{
			"name":          name,
			"configuration": map[string]any{"hnsw": hnswConfig},
			"metadata":      md,
			"get_or_create": true,
		}
		err = c.do(ctx, request{method: http.MethodPost, path: c.dbPath() + "/collections", body: body, out: &cj, idempotent: true})
	} else {
		err = c.do(ctx, request{method: http.MethodGet, path: c.collectionPath(name), out: &cj, idempotent: true})
	}
	if err != nil {
		return nil, fmt.Errorf("collection %q: %w", name, err)
	}
	if s := cj.space(); s != cosine {
		return nil, fmt.Errorf("collection %q uses %s distance, not cosine; delete it or choose another name", name, s)
	}
	normalizeMetadata(cj.Metadata)
	return &Collection{c: c, id: cj.ID, name: cj.Name, metadata: cj.Metadata}, nil
}

// Collections lists the names of the database's collections, a page of a
// hundred at a time.
func (c *Client) Collections(ctx context.Context) ([]string, error) {
	const page = 100
	var names []string
	for offset := 0; ; offset += page {
		var cs []collectionJSON
		path := fmt.Sprintf("%s/collections?limit=%d&offset=%d", c.dbPath(), page, offset)
		if err := c.do(ctx, request{method: http.MethodGet, path: path, out: &cs, idempotent: true}); err != nil {
			return nil, fmt.Errorf("list collections: %w", err)
		}
		for _, cj := range cs {
			names = append(names, cj.Name)
		}
		if len(cs) < page {
			return names, nil
		}
	}
}

// DeleteCollection deletes the collection called name and its records.
// A missing collection is an error matching ErrNotFound.
func (c *Client) DeleteCollection(ctx context.Context, name string) error {
	// Not idempotent: a retry after a lost answer would report 404.
	if err := c.do(ctx, request{method: http.MethodDelete, path: c.collectionPath(name)}); err != nil {
		return fmt.Errorf("delete collection %q: %w", name, err)
	}
	return nil
}

func (c *Client) collectionPath(nameOrID string) string {
	return c.dbPath() + "/collections/" + url.PathEscape(nameOrID)
}

// Count is the number of records in the collection.
func (col *Collection) Count(ctx context.Context) (int, error) {
	var n int
	if err := col.c.do(ctx, request{method: http.MethodGet, path: col.c.collectionPath(col.id) + "/count", out: &n, idempotent: true}); err != nil {
		return 0, fmt.Errorf("count %q: %w", col.name, err)
	}
	return n, nil
}

// Delete deletes the records with the given ids; ids that do not exist are
// ignored. No ids deletes nothing.
func (col *Collection) Delete(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		// The API refuses an empty ids list with a 400; nothing to do is
		// not an error here.
		return nil
	}
	body := map[string]any{"ids": ids}
	if err := col.c.do(ctx, request{method: http.MethodPost, path: col.c.collectionPath(col.id) + "/delete", body: body, idempotent: true}); err != nil {
		return fmt.Errorf("delete %d records from %q: %w", len(ids), col.name, err)
	}
	return nil
}

// normalizeMetadata turns the json.Number values a UseNumber decoder left
// in m into int64 (written without '.' or exponent) or float64, so that a
// year stored as an int comes back as one.
func normalizeMetadata(m map[string]any) {
	for k, v := range m {
		n, ok := v.(json.Number)
		if !ok {
			continue
		}
		if i, err := n.Int64(); err == nil {
			m[k] = i
		} else if f, err := n.Float64(); err == nil {
			m[k] = f
		}
	}
}
