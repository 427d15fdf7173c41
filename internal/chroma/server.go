package chroma

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

// Heartbeat checks that the server answers.
func (c *Client) Heartbeat(ctx context.Context) error {
	var hb map[string]json.Number
	if err := c.do(ctx, request{method: http.MethodGet, path: "/heartbeat", out: &hb, idempotent: true}); err != nil {
		return fmt.Errorf("heartbeat: %w", err)
	}
	return nil
}

// Version is the server's version, e.g. "1.0.0".
func (c *Client) Version(ctx context.Context) (string, error) {
	var v string
	if err := c.do(ctx, request{method: http.MethodGet, path: "/version", out: &v, idempotent: true}); err != nil {
		return "", fmt.Errorf("version: %w", err)
	}
	return v, nil
}

// PreFlight holds the server's limits for record writes.
type PreFlight struct {
	MaxBatchSize   int  // most records one Upsert may carry
	SupportsBase64 bool // embeddings may be sent as base64 little-endian float32
}

// PreFlight asks the server for its limits. The answer is remembered for
// Upsert's choice of embedding encoding.
func (c *Client) PreFlight(ctx context.Context) (PreFlight, error) {
	var pf struct {
		MaxBatchSize   int  `json:"max_batch_size"`
		SupportsBase64 bool `json:"supports_base64_encoding"`
	}
	if err := c.do(ctx, request{method: http.MethodGet, path: "/pre-flight-checks", out: &pf, idempotent: true}); err != nil {
		return PreFlight{}, fmt.Errorf("pre-flight checks: %w", err)
	}
	p := PreFlight{MaxBatchSize: pf.MaxBatchSize, SupportsBase64: pf.SupportsBase64}
	c.mu.Lock()
	c.pre = &p
	c.mu.Unlock()
	return p, nil
}

// base64Embeddings says whether Upsert may send base64 embeddings: once
// PreFlight said so. A server too old to know pre-flight checks (404)
// gets JSON numbers.
func (c *Client) base64Embeddings(ctx context.Context) (bool, error) {
	c.mu.Lock()
	pre := c.pre
	c.mu.Unlock()
	if pre != nil {
		return pre.SupportsBase64, nil
	}
	p, err := c.PreFlight(ctx)
	if errors.Is(err, ErrNotFound) {
		c.mu.Lock()
		c.pre = &PreFlight{}
		c.mu.Unlock()
		return false, nil
	}
	return p.SupportsBase64, err
}

// EnsureDatabase creates the client's tenant and database when they are
// missing. Someone creating them at the same time is fine.
func (c *Client) EnsureDatabase(ctx context.Context) error {
	err := c.do(ctx, request{method: http.MethodGet, path: c.dbPath(), idempotent: true})
	if !errors.Is(err, ErrNotFound) {
		if err != nil {
			return fmt.Errorf("ensure database %s/%s: %w", c.tenant, c.database, err)
		}
		return nil
	}
	if err := c.create(ctx, "/tenants", c.tenant); err != nil {
		return fmt.Errorf("ensure database %s/%s: create tenant: %w", c.tenant, c.database, err)
	}
	if err := c.create(ctx, "/tenants/"+url.PathEscape(c.tenant)+"/databases", c.database); err != nil {
		return fmt.Errorf("ensure database %s/%s: create database: %w", c.tenant, c.database, err)
	}
	return nil
}

// create posts {"name":name} to path; 409 (it exists) counts as done.
func (c *Client) create(ctx context.Context, path, name string) error {
	err := c.do(ctx, request{method: http.MethodPost, path: path, body: map[string]string{"name": name}, idempotent: true})
	if ae, ok := errors.AsType[*APIError](err); ok && ae.Status == http.StatusConflict {
		return nil
	}
	return err
}

// dbPath is the client's database below /api/v2.
func (c *Client) dbPath() string {
	return "/tenants/" + url.PathEscape(c.tenant) + "/databases/" + url.PathEscape(c.database)
}
