// Package search ranks papers for a query: keyword search (the store's
// BM25), semantic search (cosine similarity of SPECTER2 vectors) and the
// hybrid of both by reciprocal rank fusion, with the store's exact filters,
// explanations of each result's rank, and similar-paper lookups.
//
// The store keeps vectors as opaque blobs; this package chooses their
// encoding (EncodeF16: L2-normalised float16, little-endian) and writes them
// through EmbedPapers. An Engine loads every vector into one contiguous
// float16 array with the venue, year and status of each row beside it, so a
// semantic search is one exact scan over the rows passing the filter: at
// 100k papers that is faster than an approximate index is to maintain, and
// it never misses a paper.
//
// When one machine is not enough, Options.Vectors hands the vectors to a
// vector database (the Nearest interface; chromastore implements it over
// Chroma): the engine then holds no vectors, the database filters and ranks
// the semantic leg, and fusion, explanations and similar papers work as
// before, with semantic ranks known within the leg only.
//
// The package knows no encoder: it defines the Embedder interface it needs,
// and main plugs in the SPECTER2 encoders. Semantic search can be off (no
// vectors yet, a model that does not match the index's, no query encoder);
// keyword search always works, and a hybrid search then falls back to it
// with a notice saying why.
package search
