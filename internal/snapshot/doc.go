// Package snapshot moves whole indexes: a snapshot is a folder holding a
// consistent copy of the SQLite index (made with VACUUM INTO, so one file
// with no WAL beside it) and manifest.json, written last, naming each file
// with its size and SHA-256, the schema version and the embedding model.
//
// Snapshots travel two ways: to and from a Hugging Face dataset repository
// (Push; Remote, then Download: one commit holds the files and the
// manifest, and a download verifies every byte before it installs the
// index), and to and from a
// folder on storage that tolerates only whole-file sequential writes, such
// as a bucket mounted into a Space (Copy, Install). A folder without its
// manifest, or with a manifest that does not match its files, is never
// used, so a copy cut off at any point is harmless.
package snapshot
