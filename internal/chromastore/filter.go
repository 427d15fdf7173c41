package chromastore

import (
	"strings"

	"github.com/openreview-finder/openreview-finder/internal/store"
)

// filter is a store.Filter as Chroma's where and where_document clauses,
// selecting exactly the papers the SQLite store's Filter.sql selects.
type filter struct {
	where map[string]any   // on metadata; nil when the filter has none
	doc   []map[string]any // on the document, all must hold
	none  bool             // no paper can pass
}

// newFilter translates f. Values that could only be typing mistakes are
// refused as the store refuses them, wrapping paper.ErrInvalid.
func newFilter(f store.Filter) (filter, error) {
	if err := f.Validate(); err != nil {
		return filter{}, err
	}
	var out filter
	var conds []map[string]any
	if len(f.Venues) > 0 {
		// The store compares venue id, label and series with NOCASE, which
		// folds ASCII only; the metadata holds them ASCII-lower-cased.
		vs := make([]any, len(f.Venues))
		for i, v := range f.Venues {
			vs[i] = asciiLower(strings.TrimSpace(v))
		}
		conds = append(conds, anyOf(
			map[string]any{keyVenueIDLower: map[string]any{"$in": vs}},
			map[string]any{keyVenueLower: map[string]any{"$in": vs}},
			map[string]any{keySeriesLower: map[string]any{"$in": vs}},
		))
	}
	if len(f.Years) > 0 {
		ys := make([]any, len(f.Years))
		for i, y := range f.Years {
			ys[i] = y
		}
		conds = append(conds, map[string]any{keyYear: map[string]any{"$in": ys}})
	}
	if len(f.Statuses) > 0 {
		alts := make([]map[string]any, len(f.Statuses))
		for i, st := range f.Statuses {
			alts[i] = statusCond(st)
		}
		conds = append(conds, anyOf(alts...))
	}
	if len(conds) > 0 {
		out.where = allOf(conds...)
	}
	for _, a := range f.Authors {
		c, ok := authorCond(a)
		if !ok {
			return filter{none: true}, nil
		}
		out.doc = append(out.doc, c)
	}
	for _, k := range f.Keywords {
		out.doc = append(out.doc, contains(foldPattern(k, keywordJoin)))
	}
	return out, nil
}

// statusCond matches a status and, when set, a presentation; validate has
// made sure one of them is.
func statusCond(st store.StatusFilter) map[string]any {
	var conds []map[string]any
	if st.Status != "" {
		conds = append(conds, map[string]any{keyStatus: string(st.Status)})
	}
	if st.Presentation != "" {
		conds = append(conds, map[string]any{keyPresentation: string(st.Presentation)})
	}
	return allOf(conds...)
}

// authorCond matches one author filter as the store does: a whole run of
// words of one folded name, or an author id ignoring ASCII case. False
// when neither can match anything.
func authorCond(a string) (map[string]any, bool) {
	var alts []map[string]any
	if store.Fold(a) != "" {
		alts = append(alts, contains(foldPattern(a, authorJoiner)))
	}
	if id := strings.TrimSpace(a); !strings.Contains(id, listSep) {
		alts = append(alts, contains(listSep+asciiLower(id)+listSep))
	}
	if len(alts) == 0 {
		return nil, false
	}
	return anyOf(alts...), true
}

// whereDocument is the filter's document conditions and more, all of which
// must hold; nil when there are none.
func (f filter) whereDocument(more ...map[string]any) map[string]any {
	conds := append(f.doc[:len(f.doc):len(f.doc)], more...)
	if len(conds) == 0 {
		return nil
	}
	return allOf(conds...)
}

func contains(s string) map[string]any { return map[string]any{"$contains": s} }

// anyOf and allOf combine conditions; one condition stands alone, as a
// one-element $or would only add work.
func anyOf(conds ...map[string]any) map[string]any { return combine("$or", conds) }
func allOf(conds ...map[string]any) map[string]any { return combine("$and", conds) }

func combine(op string, conds []map[string]any) map[string]any {
	if len(conds) == 1 {
		return conds[0]
	}
	list := make([]any, len(conds))
	for i, c := range conds {
		list[i] = c
	}
	return map[string]any{op: list}
}
