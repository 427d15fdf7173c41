// Package hubtest is a fake Hugging Face Hub for tests: an httptest server
// for the Hub and a second one standing for its CDN, serving repositories
// from memory or from directories (Dir) with the headers and redirects of
// the real Hub, as the project's Hub reference (§3) describes them.
//
// # Endpoints
//
// HEAD and GET {prefix}{repo}/resolve/{revision}/{path}, with prefix ""
// (models), "datasets/" or "spaces/"; the revision is a branch, a tag or a
// commit hash, URL-escaped (refs%2Fpr%2F1):
//
//   - An LFS file (a weights-like extension such as .bin or .safetensors, or
//     at least the LFS threshold, 10 MiB by default) answers 302 with an
//     absolute Location on the CDN server, X-Linked-Etag (its SHA-256),
//     X-Linked-Size, X-Repo-Commit, the ETag of its LFS pointer and the
//     Content-Length of the redirect's own body.
//   - A regular file answers a relative 307 to
//     /api/resolve-cache/{models|datasets|spaces}/{repo}/{commit}/{path}
//     (switch off with SetResolveCache), which serves it with ETag (its git
//     blob SHA-1), X-Repo-Commit, Content-Length and Accept-Ranges, and
//     answers If-None-Match with 304.
//   - Errors carry X-Error-Code and X-Error-Message: an unknown repository
//     is 401 RepoNotFound without a token and 404 with one; an unknown
//     revision 404 RevisionNotFound; a missing file 404 EntryNotFound with
//     X-Repo-Commit. A gated repository (Repo.Token) answers 401 GatedRepo
//     without a token and 403 GatedRepo with a wrong one.
//   - A repository's former names (Repo.OldIDs) answer a relative 307 to
//     the same URL under the current name.
//
// The CDN serves /cdn/{sha256} with its own ETag (never the content hash),
// Accept-Ranges and Cache-Control, and never asks for a token. Both
// servers answer single "bytes=a-" and "bytes=a-b" ranges with 206 and
// Content-Range, and 416 past the end.
//
// GET /api/{models|datasets|spaces}/{repo}[/revision/{revision}] answers
// {"id", "sha", "siblings": [{"rfilename"}]}, with size, blobId and lfs
// for each sibling when ?blobs=true.
//
// # Faults and inspection
//
// AddFault scripts failures: error statuses, bodies cut mid-way, a
// corrupted byte, a Range ignored, an answer without Hub headers (a
// captive portal). Requests lists every request with its Range and
// Authorization headers and the body bytes sent, so tests can count
// transfers and check where the token went. SetFiles moves a branch to a
// new commit; the old commit stays reachable by its hash.
package hubtest
