package chromastore

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/paper"
	"github.com/openreview-finder/openreview-finder/internal/search"
	"github.com/openreview-finder/openreview-finder/internal/store"
	"github.com/openreview-finder/openreview-finder/internal/tensor"
)

// Metadata keys of a paper record. The plain fields read back into a
// paper.Paper; the derived ones (lower-cased venues, folded lists) exist for
// filters and for other readers of the collection.
const (
	keyForum        = "forum"
	keyNumber       = "number"
	keyVenueID      = "venue_id"
	keyVenue        = "venue"
	keyVenueRaw     = "venue_raw"
	keyYear         = "year"
	keyAPIVersion   = "api_version"
	keyStatus       = "status"
	keyPresentation = "presentation"
	keyTitle        = "title"
	keyAbstract     = "abstract"
	keyTLDR         = "tldr"
	keyAuthors      = "authors"
	keyAuthorIDs    = "author_ids"
	keyKeywords     = "keywords"
	keyPrimaryArea  = "primary_area"
	keyForumURL     = "forum_url"
	keyPDFURL       = "pdf_url"
	keyBibTeX       = "bibtex"
	keyCreated      = "created"
	keyModified     = "modified"
	keyPublished    = "published"
	keyIncomplete   = "incomplete"

	keyVenueIDLower = "venue_id_lc"
	keyVenueLower   = "venue_lc"
	keySeriesLower  = "series_lc"
	keyAuthorsFold  = "authors_fold"
	keyKeywordsFold = "keywords_fold"
)

// listSep joins list items, as the SQLite store joins them.
const listSep = "\x1f"

// Separators of the document's filter sections (see the package comment).
// None can occur in a word or a folded name, so a filter's pattern matches
// only inside its own section.
const (
	sectionSep   = "\x1e" // between the text and each filter section
	itemSep      = "\x1d" // between the names of one section
	authorJoiner = "\x1c" // between the words of a folded author name
	keywordJoin  = "\x1a" // between the words of a folded keyword
)

// metadata flattens p into the scalars Chroma stores. Nil lists and zero
// times are left out, so they read back as nil and zero; an empty list
// would read back nil too, as it does from the SQLite store.
func metadata(p *paper.Paper) map[string]any {
	m := map[string]any{
		keyForum: p.Forum, keyNumber: p.Number,
		keyVenueID: p.VenueID, keyVenue: p.Venue, keyVenueRaw: p.VenueRaw,
		keyYear: p.Year, keyAPIVersion: p.APIVersion,
		keyStatus: string(p.Status), keyPresentation: string(p.Presentation),
		keyTitle: p.Title, keyAbstract: p.Abstract, keyTLDR: p.TLDR,
		keyPrimaryArea: p.PrimaryArea, keyForumURL: p.ForumURL, keyPDFURL: p.PDFURL, keyBibTeX: p.BibTeX,
		keyIncomplete: p.Incomplete,

		keyVenueIDLower: asciiLower(p.VenueID), keyVenueLower: asciiLower(p.Venue),
		keySeriesLower: asciiLower(series(p.Venue)),
		keyAuthorsFold: foldList(p.Authors), keyKeywordsFold: foldList(p.Keywords),
	}
	for k, xs := range map[string][]string{keyAuthors: p.Authors, keyAuthorIDs: p.AuthorIDs, keyKeywords: p.Keywords} {
		if len(xs) > 0 {
			m[k] = joinList(xs)
		}
	}
	for k, t := range map[string]time.Time{keyCreated: p.Created, keyModified: p.Modified, keyPublished: p.Published} {
		if !t.IsZero() {
			m[k] = t.UnixMilli()
		}
	}
	return m
}

// decodePaper reads a record's metadata back into a paper. A value of the
// wrong type means the collection was written by something else.
func decodePaper(id string, m map[string]any) (paper.Paper, error) {
	d := decoder{m: m}
	p := paper.Paper{
		ID: id, Forum: d.str(keyForum), Number: d.int(keyNumber),
		VenueID: d.str(keyVenueID), Venue: d.str(keyVenue), VenueRaw: d.str(keyVenueRaw),
		Year: d.int(keyYear), APIVersion: d.int(keyAPIVersion),
		Status: paper.Status(d.str(keyStatus)), Presentation: paper.Presentation(d.str(keyPresentation)),
		Title: d.str(keyTitle), Abstract: d.str(keyAbstract), TLDR: d.str(keyTLDR),
		Authors: d.list(keyAuthors), AuthorIDs: d.list(keyAuthorIDs), Keywords: d.list(keyKeywords),
		PrimaryArea: d.str(keyPrimaryArea), ForumURL: d.str(keyForumURL), PDFURL: d.str(keyPDFURL), BibTeX: d.str(keyBibTeX),
		Created: d.time(keyCreated), Modified: d.time(keyModified), Published: d.time(keyPublished),
		Incomplete: d.bool(keyIncomplete),
	}
	if d.err != nil {
		return paper.Paper{}, fmt.Errorf("record %q: %w", id, d.err)
	}
	return p, nil
}

// decoder reads typed values from metadata, keeping the first type error.
type decoder struct {
	m   map[string]any
	err error
}

func (d *decoder) get(key string) (any, bool) {
	v, ok := d.m[key]
	if !ok || d.err != nil {
		return nil, false
	}
	return v, true
}

func (d *decoder) fail(key string, v any, want string) {
	d.err = fmt.Errorf("metadata %q is %T, want %s", key, v, want)
}

func (d *decoder) str(key string) string {
	v, ok := d.get(key)
	if !ok {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		d.fail(key, v, "a string")
	}
	return s
}

func (d *decoder) int64(key string) (int64, bool) {
	v, ok := d.get(key)
	if !ok {
		return 0, false
	}
	i, ok := v.(int64)
	if !ok {
		d.fail(key, v, "an integer")
	}
	return i, ok
}

func (d *decoder) int(key string) int {
	i, _ := d.int64(key)
	return int(i)
}

func (d *decoder) bool(key string) bool {
	v, ok := d.get(key)
	if !ok {
		return false
	}
	b, ok := v.(bool)
	if !ok {
		d.fail(key, v, "a boolean")
	}
	return b
}

func (d *decoder) list(key string) []string {
	if _, ok := d.m[key]; !ok {
		return nil
	}
	return strings.Split(d.str(key), listSep)
}

func (d *decoder) time(key string) time.Time {
	ms, ok := d.int64(key)
	if !ok {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// modifiedKey is what Upload and Download compare to tell whether a paper
// changed: its modification time in milliseconds, or MinInt64 for none.
func modifiedKey(t time.Time) int64 {
	if t.IsZero() {
		return math.MinInt64
	}
	return t.UnixMilli()
}

// recordModified is modifiedKey of a record's metadata.
func recordModified(m map[string]any) int64 {
	if ms, ok := m[keyModified].(int64); ok {
		return ms
	}
	return math.MinInt64
}

// document is the text the keyword leg and the author and keyword filters
// search (see the package comment).
func document(p *paper.Paper) string {
	var b strings.Builder
	for i, field := range []string{p.Title, p.Abstract, strings.Join(p.Keywords, listSep), strings.Join(p.Authors, listSep)} {
		if i > 0 {
			b.WriteString(" |")
		}
		for _, w := range store.Words(field) {
			b.WriteByte(' ')
			b.WriteString(w)
		}
	}
	b.WriteString(" ")
	b.WriteString(sectionSep)
	foldSection(&b, p.Authors, authorJoiner)
	b.WriteString(sectionSep)
	foldSection(&b, p.Keywords, keywordJoin)
	b.WriteString(sectionSep)
	if len(p.AuthorIDs) > 0 {
		b.WriteString(listSep)
		b.WriteString(asciiLower(joinList(p.AuthorIDs)))
		b.WriteString(listSep)
	}
	return b.String()
}

// foldSection writes each item's folded words, each word between joiners,
// so that a filter's pattern (foldPattern) matches a whole run of words of
// one item.
func foldSection(b *strings.Builder, items []string, joiner string) {
	for i, x := range items {
		if i > 0 {
			b.WriteString(itemSep)
		}
		b.WriteString(foldPattern(x, joiner))
	}
}

// foldPattern is item's folded words between joiners: "José Müller" →
// "\x1cjose\x1cmuller\x1c".
func foldPattern(item, joiner string) string {
	return joiner + strings.ReplaceAll(store.Fold(item), " ", joiner) + joiner
}

// textFields splits a document's text into its four fields' words: title,
// abstract, keywords, authors.
func textFields(doc string) [4][]string {
	text, _, _ := strings.Cut(doc, sectionSep)
	var out [4][]string
	for i, f := range strings.SplitN(text, "|", 4) {
		out[i] = strings.Fields(f)
	}
	return out
}

// joinList joins a list as the SQLite store does: a separator inside an
// item (never seen in real data) becomes a space.
func joinList(xs []string) string {
	clean := make([]string, len(xs))
	for i, x := range xs {
		clean[i] = strings.ReplaceAll(x, listSep, " ")
	}
	return strings.Join(clean, listSep)
}

// foldList is the store's authors_fold and keywords_fold column: each item
// folded, joined as " a b | c d ", "" for no items.
func foldList(xs []string) string {
	if len(xs) == 0 {
		return ""
	}
	folded := make([]string, len(xs))
	for i, x := range xs {
		folded[i] = store.Fold(x)
	}
	return " " + strings.Join(folded, " | ") + " "
}

// series is the first word of a venue label, as the store's filter reads
// it: the text before the first ASCII space.
func series(venue string) string {
	s, _, _ := strings.Cut(venue, " ")
	return s
}

// asciiLower lower-cases ASCII letters only, as SQLite's NOCASE collation
// and lower() do; the filters compare what the store compares.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// decodeVector turns a stored blob of the index's model into the float32
// vector Chroma holds. Only float16 blobs (search.Encoding) are known.
func decodeVector(m store.Model, blob []byte) ([]float32, error) {
	if m.Encoding != search.Encoding {
		return nil, fmt.Errorf("vectors encoded as %q cannot be uploaded, only %q: %w", m.Encoding, search.Encoding, paper.ErrInvalid)
	}
	if len(blob) != 2*m.Dim {
		return nil, fmt.Errorf("vector of %d bytes, want %d", len(blob), 2*m.Dim)
	}
	v := make([]float32, m.Dim)
	for i := range v {
		v[i] = tensor.F16ToF32(uint16(blob[2*i]) | uint16(blob[2*i+1])<<8)
	}
	return v, nil
}

// encodeVector encodes a vector from Chroma as the store keeps it. A vector
// already of unit length (within float16 precision, as Upload writes them)
// is converted value by value, so a round trip gives back the same bytes;
// any other is normalised by search.EncodeF16 first.
func encodeVector(v []float32) []byte {
	var ss float64
	for _, x := range v {
		ss += float64(x) * float64(x)
	}
	if math.Abs(math.Sqrt(ss)-1) > 1e-2 {
		return search.EncodeF16(v)
	}
	out := make([]byte, 2*len(v))
	for i, x := range v {
		h := tensor.F32ToF16(x)
		out[2*i], out[2*i+1] = byte(h), byte(h>>8)
	}
	return out
}
