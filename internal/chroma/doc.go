// Package chroma is a client for the HTTP API v2 of a Chroma vector database
// server (Chroma 1.x), written against the standard library only: the API
// surface the search engine needs is small, and the published Go client
// pulls in a large module graph and downloads files at run time.
//
// A Client talks to one tenant and database; a Collection holds records
// (id, embedding, scalar metadata, document) compared by cosine distance.
// Every call is idempotent except DeleteCollection, so transient failures
// (connection refused, 5xx) are retried with backoff; when the server stays
// away the error matches ErrUnavailable. Error answers decode to *APIError,
// and a 404 matches ErrNotFound.
//
// The package never logs and never puts the token in an error.
package chroma
