package openreviewtest

import (
	"fmt"

	"github.com/openreview-finder/openreview-finder/internal/paper"
)

// The seeded venues, in the order the venues group lists them.
func venueSpecs() (v2 []*confV2, tmlr paper.Venue, v1 []*confV1) {
	lc := map[paper.Presentation]string{paper.PresentationOral: "oral", paper.PresentationSpotlight: "spotlight", paper.PresentationPoster: "poster"}
	uc := map[paper.Presentation]string{paper.PresentationOral: "Oral", paper.PresentationSpotlight: "Spotlight", paper.PresentationPoster: "Poster"}
	strs := func(prefix string, words map[paper.Presentation]string) map[paper.Presentation]string {
		out := map[paper.Presentation]string{}
		for p, w := range words {
			out[p] = prefix + w
		}
		return out
	}
	v2 = []*confV2{{
		info:  paper.Venue{ID: "ICLR.cc/2025/Conference", Label: "ICLR 2025", Title: "The Thirteenth International Conference on Learning Representations", Year: 2025, APIVersion: 2},
		short: "ICLR 2025", accepted: strs("ICLR 2025 ", uc), decisions: strs("Accept (", closeParen(uc)),
		iclrFields: true, license: "CC BY 4.0",
		sched: schedule{day(2024, 9, 26, 0), day(2024, 10, 2, 0), day(2024, 10, 4, 12), day(2025, 1, 22, 18), day(2025, 5, 15, 0)},
	}, {
		info:  paper.Venue{ID: "ICLR.cc/2024/Conference", Label: "ICLR 2024", Title: "The Twelfth International Conference on Learning Representations", Year: 2024, APIVersion: 2},
		short: "ICLR 2024", accepted: strs("ICLR 2024 ", lc), decisions: strs("Accept (", closeParen(lc)),
		iclrFields: true,
		sched:      schedule{day(2023, 9, 20, 0), day(2023, 9, 29, 0), 1697213872796, day(2024, 1, 16, 13), day(2024, 4, 21, 0)},
	}, {
		info:  paper.Venue{ID: "NeurIPS.cc/2024/Conference", Label: "NeurIPS 2024", Title: "The Thirty-eighth Annual Conference on Neural Information Processing Systems", Year: 2024, APIVersion: 2},
		short: "NeurIPS 2024", accepted: strs("NeurIPS 2024 ", lc), decisions: strs("Accept (", closeParen(lc)),
		license: "CC BY 4.0",
		sched:   schedule{day(2024, 5, 15, 0), day(2024, 5, 23, 0), day(2024, 9, 26, 0), day(2024, 9, 25, 20), day(2025, 1, 10, 0)},
	}, {
		info:      paper.Venue{ID: "ICML.cc/2026/Conference", Label: "ICML 2026", Title: "Forty-third International Conference on Machine Learning", Year: 2026, APIVersion: 2},
		short:     "ICML 2026",
		accepted:  map[paper.Presentation]string{"": "ICML 2026 regular", paper.PresentationSpotlight: "ICML 2026 spotlight"},
		decisions: map[paper.Presentation]string{"": "Accept (regular)", paper.PresentationSpotlight: "Accept (spotlight)"},
		unified:   true, license: "CC BY 4.0",
		sched: schedule{day(2026, 1, 22, 0), day(2026, 1, 29, 0), day(2026, 5, 1, 0), day(2026, 4, 30, 18), day(2026, 7, 1, 0)},
	}}
	tmlr = paper.Venue{ID: "TMLR", Label: "TMLR", Title: "Transactions on Machine Learning Research", APIVersion: 2}
	v1 = []*confV1{
		{info: paper.Venue{ID: "ICLR.cc/2020/Conference", Label: "ICLR 2020", Year: 2020, APIVersion: 1}, style: style2020,
			sched: schedule{day(2019, 9, 25, 12), day(2019, 9, 26, 0), 0, day(2019, 12, 19, 23), day(2023, 5, 5, 0)}},
		{info: paper.Venue{ID: "ICLR.cc/2022/Conference", Label: "ICLR 2022", Year: 2022, APIVersion: 1}, style: style2022,
			sched: schedule{day(2021, 9, 29, 0), day(2021, 10, 1, 0), 1633539600000, day(2022, 1, 28, 22), day(2023, 2, 13, 0)}},
		{info: paper.Venue{ID: "ICLR.cc/2017/conference", Label: "ICLR 2017", Year: 2017, APIVersion: 1}, style: style2017,
			sched: schedule{day(2016, 11, 4, 0), day(2016, 11, 5, 0), 0, day(2017, 2, 6, 0), day(2018, 6, 1, 0)}},
	}
	return v2, tmlr, v1
}

func closeParen(words map[paper.Presentation]string) map[paper.Presentation]string {
	out := map[paper.Presentation]string{}
	for p, w := range words {
		out[p] = w + ")"
	}
	return out
}

// buildStore seeds every venue deterministically from seed. Each venue draws
// from its own random stream, so the big venue's size does not change the
// others.
func buildStore(seed int64, scale int) (*store, error) {
	st := &store{
		byVenue: map[string]*venue{}, notes: map[int][]*note{}, byID: map[string]*note{},
		replies: map[string][]*note{}, ids: map[string]bool{},
	}
	v2, tmlr, v1 := venueSpecs()
	newVenueGen := func(id string) *gen {
		g := newGen(seed, id)
		g.ids = st.ids
		return g
	}
	for _, c := range v2 {
		st.register(c.info, func(g *gen, num int, o outcome, cdate int64) []*note {
			return c.submission(g, num, o, cdate, g.draft())
		})
	}
	st.register(tmlr, func(g *gen, num int, o outcome, cdate int64) []*note {
		return tmlrSubmission(g, tmlr, num, o, cdate, g.draft())
	})
	for _, c := range v1 {
		st.register(c.info, func(g *gen, num int, o outcome, cdate int64) []*note {
			return c.submission(g, num, o, cdate, g.draft())
		})
	}
	if err := seedFixed(st, newVenueGen, v2, tmlr, v1); err != nil {
		return nil, err
	}
	seedGenerated(st, newVenueGen, scale, v2, tmlr, v1)
	st.added = newVenueGen("added")
	groups, err := buildGroups(st, v2, tmlr, v1)
	if err != nil {
		return nil, err
	}
	st.groups = groups
	return st, nil
}

// seedGenerated adds the generated submissions of every venue, after its
// fixed ones.
func seedGenerated(st *store, newVenueGen func(string) *gen, scale int, v2 []*confV2, tmlr paper.Venue, v1 []*confV1) {
	p := paper.PresentationPoster
	mixes := [][]share{
		{{acc(paper.PresentationOral), 2}, {acc(paper.PresentationSpotlight), 5}, {acc(p), 23}, {rejected, 40}, {withdrawn, 20}, {deskRejected, 2}, {underReview, 8}},
		{{acc(paper.PresentationOral), 2}, {acc(paper.PresentationSpotlight), 3}, {acc(p), 7}, {rejected, 16}, {withdrawn, 8}, {deskRejected, 2}},
		{{acc(paper.PresentationOral), 3}, {acc(paper.PresentationSpotlight), 9}, {acc(p), 42}, {rejected, 6}},
		{{acc(paper.PresentationSpotlight), 5}, {acc(""), 22}, {rejected, 3}},
	}
	sizes := []int{scale, 40, 60, 30}
	for i, c := range v2 {
		seedConf(st, newVenueGen(c.info.ID), c, sizes[i], mixes[i])
	}
	seedTMLR(st, newVenueGen("TMLR"), tmlr, 30)
	v1mixes := [][]share{
		{{acc(paper.PresentationOral), 2}, {acc(paper.PresentationSpotlight), 4}, {acc(p), 12}, {rejected, 30}, {withdrawn, 9}, {deskRejected, 3}},
		{{acc(paper.PresentationOral), 1}, {acc(paper.PresentationSpotlight), 3}, {acc(p), 10}, {rejected, 18}, {withdrawn, 6}, {deskRejected, 2}},
		{{acc(paper.PresentationOral), 2}, {acc(p), 6}, {outcome{paper.StatusRejected, inviteToWorkshop}, 3}, {rejected, 9}},
	}
	v1sizes := []int{60, 40, 20}
	for i, c := range v1 {
		seedV1(st, newVenueGen(c.info.ID), c, v1sizes[i], v1mixes[i])
	}
}

func (st *store) register(info paper.Venue, b builder) {
	v := &venue{info: info, build: b, next: 1}
	st.venues = append(st.venues, v)
	st.byVenue[info.ID] = v
}

// seedFixed adds the recorded sample notes and the hand-written fixed notes
// documented in the package doc.
func seedFixed(st *store, newGen func(string) *gen, v2 []*confV2, tmlr paper.Venue, v1 []*confV1) error {
	iclr25, iclr24 := v2[0], v2[1]
	g := newGen("fixed")
	for i, f := range fixedICLR2025() {
		st.byVenue[iclr25.info.ID].next++
		cdate := iclr25.sched.submitFrom + int64(i)*60_000
		st.add(iclr25.submission(g, i+1, f.o, cdate, f.d)...)
	}
	if err := addSamples(st, g, iclr24); err != nil {
		return err
	}
	d := draft{id: "TmlrCert01", title: "A Survey of Calibration Methods for Deep Probabilistic Classifiers",
		abstract: fixedAbstract, keywords: []string{"calibration", "uncertainty quantification", "survey"},
		authors: []person{{first: "Ingrid", last: "Larsen", id: "~Ingrid_Larsen1"}, {first: "Kenji", last: "Sato", id: "~Kenji_Sato2"}},
		pdf:     "/pdf/" + g.text.hex40() + ".pdf"}
	ns := tmlrSubmission(g, tmlr, 1, acc(""), day(2024, 3, 4, 10), d)
	ns[0].content["certifications"] = []string{"Featured Certification", "Survey Certification"}
	st.byVenue["TMLR"].next++
	st.add(ns...)
	iclr17 := v1[2]
	d = draft{id: "Iclr17AndX", title: "Learning to Compute with Differentiable Analytical Engines",
		abstract: fixedAbstract, keywords: []string{"Deep learning", "Theory"}, tldr: "Engines that learn to compute.",
		authors: []person{{first: "Ada", last: "Lovelace", id: "~Ada_Lovelace1"}, {first: "Alan", last: "Turing", id: "~Alan_Turing1"}, {first: "Grace", last: "Hopper", id: "~Grace_Hopper1"}},
		pdf:     "/pdf/" + g.text.hex40() + ".pdf"}
	d.authors[0].inst = institutions[4]
	st.byVenue[iclr17.info.ID].next++
	ns = iclr17.submission(g, 1, acc(paper.PresentationOral), iclr17.sched.submitFrom, d)
	ns[0].content["authors"] = "Ada Lovelace and Alan Turing and Grace Hopper"
	st.add(ns...)
	return addV1Samples(st, v1)
}

// addSamples serves the recorded ICLR 2024 notes, with a decision reply for
// the accepted one.
func addSamples(st *store, g *gen, iclr24 *confV2) error {
	v := st.byVenue[iclr24.info.ID]
	for _, s := range []struct {
		file string
		o    outcome
	}{
		{"v2-iclr2024-notes-accepted.json", acc(paper.PresentationPoster)},
		{"v2-iclr2024-notes-withdrawn.json", withdrawn},
	} {
		notes, err := sampleNotes(s.file)
		if err != nil {
			return err
		}
		for _, m := range notes {
			n := noteFromJSON(iclr24.info.ID, m)
			n.expected = expectedFromContent(n, v, s.o)
			st.add(n)
			if s.o.status == paper.StatusAccepted {
				st.add(iclr24.decisionReply(g, n, fmt.Sprintf("%s/Submission%d", iclr24.info.ID, n.number), iclr24.decisions[s.o.presentation]))
			}
		}
	}
	return nil
}

// addV1Samples serves the recorded ICLR 2020 forum and ICLR 2022 note.
func addV1Samples(st *store, v1 []*confV1) error {
	for _, s := range []struct {
		file, venue string
		o           outcome
	}{
		{"v1-iclr2020-forum-with-decision.json", v1[0].info.ID, acc(paper.PresentationPoster)},
		{"v1-iclr2022-notes-blind-listing.json", v1[1].info.ID, acc(paper.PresentationSpotlight)},
	} {
		notes, err := sampleNotes(s.file)
		if err != nil {
			return err
		}
		v := st.byVenue[s.venue]
		for _, m := range notes {
			n := noteFromJSON(s.venue, m)
			if n.id == n.forum {
				n.expected = expectedFromContent(n, v, s.o)
			}
			st.add(n)
		}
	}
	return nil
}
