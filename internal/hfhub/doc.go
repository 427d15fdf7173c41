// Package hfhub downloads files of Hugging Face Hub repositories (models,
// datasets, spaces) into the cache layout of Python's huggingface_hub, so
// that openreview-finder and Python tools share one cache, and uploads
// files to them through the Hub's commit API.
//
// A download asks the Hub for the file's metadata with a HEAD request on
// {endpoint}/{repo}/resolve/{revision}/{file} (following only redirects that
// stay on the Hub, as for a renamed repository), reads the commit
// (X-Repo-Commit), the content hash (X-Linked-Etag or ETag) and the size
// (X-Linked-Size or Content-Length), then fetches the bytes from the commit's
// resolve URL, following the redirect to the CDN without the Authorization
// header. Transfers resume from a partial blobs/<etag>.incomplete with a
// Range request; LFS files (64-hex etags) are checked against their SHA-256,
// others against their size; a blob is placed only once it is verified.
//
// The cache under Config.CacheDir is laid out as huggingface_hub lays it out:
//
//	models--org--name/blobs/<etag>                  file contents
//	models--org--name/snapshots/<commit>/<file>     relative symlink to ../../blobs/<etag>
//	models--org--name/refs/<revision>               the commit a branch or tag pointed to
//	models--org--name/.no_exist/<commit>/<file>     marker: the file is absent at that commit
//	.locks/models--org--name/<etag>.lock            one process downloads a blob at a time
//
// A cached file is served without network in offline mode; otherwise the
// HEAD still runs to notice a moved branch, and a Hub that cannot be reached
// falls back to the cached snapshot with a warning.
//
// An upload (Upload) makes one commit, as huggingface_hub's create_commit
// does: each file is hashed as it is read (SHA-256, size, its first 512
// bytes); POST /api/{type}s/{repo}/preupload/{revision} says which files
// go to LFS storage and which the repository's .gitignore ignores; the
// LFS batch API ({prefix}{repo}.git/info/lfs/objects/batch) answers, per
// object, nothing (stored already), one pre-signed PUT, or pre-signed part
// URLs and a completion URL, and a verify URL; finally POST
// /api/{type}s/{repo}/commit/{revision} carries an NDJSON payload: a
// header, regular files base64-encoded (streamed from their source), LFS
// files by oid and size, and deleted paths. Writes need the token; it
// goes to the endpoint's host only, never to the pre-signed URLs, and
// neither the token nor those URLs' queries appear in errors or logs.
// Preupload, the batch, the PUTs (a part is sent again from its start)
// and verify are retried like downloads; the commit too, but never on a
// 4xx, when the Hub refused it.
package hfhub
