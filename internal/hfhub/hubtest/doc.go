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
// # Writes
//
// The commit API of the project's Hub reference (§3.8). Writes need
// "Authorization: Bearer <tok>" once SetWriteToken is called (any bearer
// token before): none answers 401, another token 403, both with
// X-Error-Message.
//
//   - POST /api/repos/create {"name", "organization", "type", "private",
//     "sdk"} makes a repository whose main branch holds one commit with
//     the Hub's default .gitattributes; 409 if it exists; a space needs
//     an sdk. A private repository reads like a missing one without the
//     write token.
//   - POST /api/{kind}/{repo}/preupload/{branch} (at most 256 files)
//     answers uploadMode "lfs" for files of at least the LFS threshold,
//     with a NUL byte in their sample or a weights-like extension, else
//     "regular" (always for empty files); shouldIgnore from the branch's
//     .gitignore; oid of the file the branch holds at that path.
//   - POST {prefix}{repo}.git/info/lfs/objects/batch (Accept
//     application/vnd.git-lfs+json, else 406) answers no actions for an
//     object the repository stores, else an upload href on the CDN
//     (/lfs/{oid}, pre-signed: a signature the CDN checks, no token, and
//     S3's 400 when one is sent anyway) and a verify href. With
//     SetMultipartChunk(n), an object larger than n gets part URLs
//     "1".."k" of n bytes and "chunk_size" in the upload header, and the
//     href is the completion URL on the Hub (POST
//     /api/complete_multipart, signed, no token), which wants every part
//     in order with the ETag its PUT answered (the MD5, as S3's).
//   - POST {prefix}{repo}.git/info/lfs/objects/verify answers 404 unless
//     an upload of the oid brought that many bytes; like the Hub, it
//     checks no content.
//   - POST /api/{kind}/{repo}/commit/{branch} (application/x-ndjson: a
//     header line with a summary and an optional parentCommit, 412 if it
//     is stale, then file, lfsFile, deletedFile and deletedFolder lines)
//     makes a new commit, all or nothing, served by resolve and info like
//     any other. An lfsFile must name an object uploaded with that oid and
//     size whose bytes hash to the oid, else 422 with a message naming the
//     file; deleting a missing path is 404 EntryNotFound; an unknown
//     branch 404 RevisionNotFound. Files committed as lfsFile, or above
//     the LFS threshold, are served as LFS files.
//
// # Faults and inspection
//
// AddFault scripts failures: error statuses, bodies cut mid-way, a
// corrupted byte, a Range ignored, an answer without Hub headers (a
// captive portal). A fault may name a route (Request.Route) and a file:
// writes match the files their bodies name, and LFS requests the file
// preupload announced with the object's size (when one file alone has
// that size). On uploads (PUT), FaultTruncate reads part of the body and
// drops the connection, FaultCorrupt stores one byte flipped. Requests
// lists every request with its route, its Range and Authorization
// headers and the body bytes sent and received, so tests can count
// transfers and check where the token went. SetFiles moves a branch to a
// new commit; the old commit stays reachable by its hash.
package hubtest
