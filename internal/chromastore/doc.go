// Package chromastore serves an openreview-finder index from a Chroma
// server: the papers, their vectors and the model that made them, one
// collection per model. It satisfies search.Store and search.Nearest, so a
// search engine can run over Chroma holding no index state of its own, and
// it moves indexes between Chroma and the SQLite store (Upload, Download).
//
// # Records
//
// A paper is one record: its id, its unit vector as float32, every field as
// scalar metadata (lists joined with U+001F, times as Unix milliseconds), and
// a document that the keyword leg and the exact filters search with
// Chroma's substring operator $contains. The document starts with the
// words the SQLite store's FTS5 index holds, field by field:
//
//	" <title words> | <abstract words> | <keyword words> | <author words> "
//
// so that " w1 w2 " matches exactly the papers whose FTS5 columns hold the
// phrase "w1 w2". After it come sections for the filters the store applies
// with instr() on folded text: each author's and keyword's folded words
// joined with control characters (a filter's words must appear as a whole
// run within one name), and the ASCII-lower-cased author ids between U+001F.
// A substring match there is the store's instr() match, so author and
// keyword filters run in Chroma, exactly, and Nearest needs no over-fetch.
//
// # Keyword ranking
//
// Chroma has no ranking of text, so Search fetches the papers matching any
// query phrase (at most 2000, filtered in Chroma) and ranks them in Go with
// FTS5's own BM25: k1 1.2, b 0.75, column weights title 4, abstract 1,
// keywords 2, authors 2, term frequencies counted per field in the document.
// Two inputs are approximated: a phrase's document frequency is counted among
// the candidates (exact when no filter narrowed them and none were cut off),
// and the average document length is the candidates' average. When more than
// 2000 papers match, the candidates are those whose title holds a phrase,
// then others in storage order; the best matches are nearly always among
// them, but the ranking is no longer exact.
package chromastore
