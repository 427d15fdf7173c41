// Package openreview is a client for the OpenReview API v2 and v1
// (https://api2.openreview.net and https://api.openreview.net).
//
// The Client logs in once and sends the same bearer token to both hosts,
// paces requests per host, waits out rate limits, retries server and network
// failures with capped exponential backoff, renews an expired token, and
// reports OpenReview's anti-bot challenge as an authentication error rather
// than as an empty answer. Get returns raw JSON bodies so callers can cache
// them; ResolveVenue decides from a venue's group which API serves it and
// which listings hold its submissions.
package openreview
