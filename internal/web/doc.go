// Package web serves the search page and the JSON API of
// "openreview-finder serve": server-rendered HTML (html/template, with the
// templates, CSS and JavaScript embedded, so it works offline and needs no
// CDN) that small JavaScript only enhances, and JSON under /api/ described
// by an embedded OpenAPI document.
//
// Every state of the page lives in its URL, so a search can be shared and
// the browser's back and forward buttons work without JavaScript. The
// server is meant to face the internet: every field is escaped by
// html/template, responses carry a strict Content-Security-Policy that
// still lets the Hugging Face pages frame it, only GET and HEAD are
// served, requests are bounded in size and time, and searches (which embed
// the query) run at most Config.MaxSearches at a time while the rest queue.
//
// The package defines the two small interfaces it reads through: Searcher
// (a *search.Engine) and Catalog (a *store.Store). The index may still be
// opening when the server starts: until SetSearcher is called the page says
// so, and the background tasks reported by Config.Progress show in a
// banner with their counts and an estimate of the time left.
package web
