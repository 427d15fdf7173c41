package openreview

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/openreview-finder/openreview-finder/internal/paper"
)

func TestBibTeX(t *testing.T) {
	iclr := nvIclr2024 // Title: "The Twelfth International Conference on Learning Representations"
	base := map[string]any{"title": "Learning Things", "authors": []string{"Jane Smith", "Bob Jones"}}
	with := func(kv ...any) map[string]any {
		c := map[string]any{}
		for k, v := range base {
			c[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			c[kv[i].(string)] = kv[i+1]
		}
		return c
	}
	own := "@inproceedings{\nsmith2024own,\ntitle={Own},\nauthor={Jane Smith},\nyear={2024}\n}"
	tests := []struct {
		name    string
		content map[string]any
		venue   VenueInfo
		status  paper.Status
		pdate   int64
		want    string
	}{
		{"own bibtex kept", with("_bibtex", "\n "+own+"\n"), iclr, paper.StatusAccepted, 0, own},
		{"e-mail artefact replaced", with("_bibtex", "synthetic.person26@example.org"), iclr, paper.StatusAccepted, 0,
			"@inproceedings{\nsmith2024learning,\ntitle={Learning Things},\nauthor={Jane Smith and Bob Jones},\nbooktitle={The Twelfth International Conference on Learning Representations},\nyear={2024},\nurl={https://openreview.net/forum?id=N2}\n}"},
		{"@ without brace replaced", with("_bibtex", "@misc"), iclr, paper.StatusRejected, 0,
			"@misc{\nsmith2024learning,\ntitle={Learning Things},\nauthor={Jane Smith and Bob Jones},\nyear={2024},\nurl={https://openreview.net/forum?id=N2}\n}"},
		{"not a string", with("_bibtex", 5), iclr, paper.StatusWithdrawn, 0,
			"@misc{\nsmith2024learning,\ntitle={Learning Things},\nauthor={Jane Smith and Bob Jones},\nyear={2024},\nurl={https://openreview.net/forum?id=N2}\n}"},
		{"desk rejected", with(), iclr, paper.StatusDeskRejected, 0,
			"@misc{\nsmith2024learning,\ntitle={Learning Things},\nauthor={Jane Smith and Bob Jones},\nyear={2024},\nurl={https://openreview.net/forum?id=N2}\n}"},
		{"under review", with(), iclr, paper.StatusUnderReview, 0,
			"@inproceedings{\nsmith2024learning,\ntitle={Learning Things},\nauthor={Jane Smith and Bob Jones},\nbooktitle={Submitted to The Twelfth International Conference on Learning Representations},\nyear={2024},\nurl={https://openreview.net/forum?id=N2},\nnote={under review}\n}"},
		{"label when no title", with(), nvBare2024, paper.StatusAccepted, 0,
			"@inproceedings{\nsmith2024learning,\ntitle={Learning Things},\nauthor={Jane Smith and Bob Jones},\nbooktitle={ICLR 2024},\nyear={2024},\nurl={https://openreview.net/forum?id=N2}\n}"},
		{"TMLR accepted, year from pdate", with(), nvTmlrVenue, paper.StatusAccepted, 1705411064826,
			"@article{\nsmith2024learning,\ntitle={Learning Things},\nauthor={Jane Smith and Bob Jones},\njournal={Transactions on Machine Learning Research},\nyear={2024},\nurl={https://openreview.net/forum?id=N2}\n}"},
		{"TMLR under review", with(), nvTmlrVenue, paper.StatusUnderReview, 0,
			"@article{\nsmith2023learning,\ntitle={Learning Things},\nauthor={Jane Smith and Bob Jones},\njournal={Transactions on Machine Learning Research},\nyear={2023},\nurl={https://openreview.net/forum?id=N2},\nnote={Under review}\n}"},
		{"TMLR withdrawn", with(), nvTmlrVenue, paper.StatusWithdrawn, 0,
			"@article{\nsmith2023learning,\ntitle={Learning Things},\nauthor={Jane Smith and Bob Jones},\njournal={Transactions on Machine Learning Research},\nyear={2023},\nurl={https://openreview.net/forum?id=N2},\nnote={Withdrawn}\n}"},
		{"TMLR desk rejected", with(), nvTmlrVenue, paper.StatusDeskRejected, 0,
			"@article{\nsmith2023learning,\ntitle={Learning Things},\nauthor={Jane Smith and Bob Jones},\njournal={Transactions on Machine Learning Research},\nyear={2023},\nurl={https://openreview.net/forum?id=N2},\nnote={Rejected}\n}"},
		{"anonymous", map[string]any{"title": "Learning Things", "authors": []string{"Anonymous"}}, iclr, paper.StatusUnderReview, 0,
			"@inproceedings{\nanonymous2024learning,\ntitle={Learning Things},\nauthor={Anonymous},\nbooktitle={Submitted to The Twelfth International Conference on Learning Representations},\nyear={2024},\nurl={https://openreview.net/forum?id=N2},\nnote={under review}\n}"},
		{"unbalanced braces and newlines", map[string]any{"title": "A {B} C} D {E\n  F\\", "authors": []string{"Jane {Smith"}}, iclr, paper.StatusRejected, 0,
			"@misc{\nsmith2024a,\ntitle={A {B} C D E F},\nauthor={Jane Smith},\nyear={2024},\nurl={https://openreview.net/forum?id=N2}\n}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := v2Note(t, tt.content)
			n.CDate = 1695558732991 // 2023-09-24
			n.PDate = tt.pdate
			got := Normalize(n, tt.venue, Listing{Status: tt.status}).BibTeX
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("BibTeX (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBibKey(t *testing.T) {
	tests := []struct {
		name    string
		authors []string
		year    int
		title   string
		want    string
	}{
		{"plain", []string{"Jane Smith", "Bob Jones"}, 2025, "Learning Things", "smith2025learning"},
		{"accents", []string{"José Álvarez-Núñez"}, 2024, "Über alles", "alvareznunez2024uber"},
		{"special letters", []string{"Łukasz Søndergaard"}, 2024, "Straße Œuvre", "sondergaard2024strasse"},
		{"last, first", []string{"Smith, Jane"}, 2024, "Go", "smith2024go"},
		{"punctuation only first word", []string{"Ada O'Neil"}, 2024, "— $\\alpha$-Nets: fast", "oneil2024alphanets"},
		{"no ASCII in last word", []string{"Wei Zhang 张伟"}, 2024, "Graphs", "zhang2024graphs"},
		{"no ASCII in name", []string{"张伟"}, 2024, "Graphs", "2024graphs"},
		{"no authors", nil, 2024, "Graphs", "anonymous2024graphs"},
		{"no year", []string{"Jane Smith"}, 0, "Graphs", "smithgraphs"},
		{"nothing", []string{"张伟"}, 0, "", "openreviewabc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := paper.Paper{ID: "Abc", Authors: tt.authors, Title: tt.title}
			if got := bibKey(&p, tt.year); got != tt.want {
				t.Errorf("bibKey = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestBibFieldBalanced(t *testing.T) {
	for _, s := range []string{"}{", "{{{", "}}}", "a}b{c", "{a{b}c", "x\\", "{\\}", "ok {fine}"} {
		got := bibField(s)
		depth := 0
		for _, c := range got {
			switch c {
			case '{':
				depth++
			case '}':
				depth--
			}
			if depth < 0 {
				t.Fatalf("bibField(%q) = %q closes a brace it never opened", s, got)
			}
		}
		if depth != 0 || strings.HasSuffix(got, `\`) {
			t.Errorf("bibField(%q) = %q is unbalanced or ends in a backslash", s, got)
		}
	}
}
