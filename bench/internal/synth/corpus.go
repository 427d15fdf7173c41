// Package synth makes the synthetic papers and queries the benchmarks share:
// realistic titles, Zipf-distributed abstracts over an ML vocabulary,
// authors, keywords, Venues and outcomes, all from a seed.
package synth

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/openreview-finder/openreview-finder/internal/paper"
)

// Venues are the Venues synthetic papers are spread over, each with a share
// of the papers close to its real number of submissions.
var Venues = []struct {
	paper.Venue
	share int
}{
	{paper.Venue{ID: "ICLR.cc/2023/Conference", Label: "ICLR 2023", Year: 2023, APIVersion: 1}, 5},
	{paper.Venue{ID: "ICLR.cc/2024/Conference", Label: "ICLR 2024", Year: 2024, APIVersion: 2}, 7},
	{paper.Venue{ID: "ICLR.cc/2025/Conference", Label: "ICLR 2025", Year: 2025, APIVersion: 2}, 11},
	{paper.Venue{ID: "NeurIPS.cc/2023/Conference", Label: "NeurIPS 2023", Year: 2023, APIVersion: 2}, 12},
	{paper.Venue{ID: "NeurIPS.cc/2024/Conference", Label: "NeurIPS 2024", Year: 2024, APIVersion: 2}, 15},
	{paper.Venue{ID: "ICML.cc/2024/Conference", Label: "ICML 2024", Year: 2024, APIVersion: 2}, 10},
	{paper.Venue{ID: "ICML.cc/2025/Conference", Label: "ICML 2025", Year: 2025, APIVersion: 2}, 12},
	{paper.Venue{ID: "TMLR", Label: "TMLR", Title: "Transactions on Machine Learning Research", APIVersion: 2}, 4},
	{paper.Venue{ID: "robot-learning.org/CoRL/2024/Conference", Label: "CoRL 2024", Year: 2024, APIVersion: 2}, 1},
	{paper.Venue{ID: "colmweb.org/COLM/2024/Conference", Label: "COLM 2024", Year: 2024, APIVersion: 2}, 1},
}

// outcomes spread the papers over statuses roughly as real Venues do
// (per mille).
type outcome struct {
	status       paper.Status
	presentation paper.Presentation
	perMille     int
}

var outcomes = []outcome{
	{paper.StatusAccepted, paper.PresentationOral, 15},
	{paper.StatusAccepted, paper.PresentationSpotlight, 50},
	{paper.StatusAccepted, paper.PresentationPoster, 255},
	{paper.StatusRejected, "", 450},
	{paper.StatusWithdrawn, "", 150},
	{paper.StatusDeskRejected, "", 30},
	{paper.StatusUnderReview, "", 50},
}

var firstNames = strings.Fields(`James Mary Wei Li Jing Yu Hao Min Xin Yan Jun Lei Aditya Priya Rahul Ananya
Ahmed Fatima Omar Layla Mohammed Sara David Sarah Michael Emma Daniel Olivia Thomas Sophie Lukas Anna
Jonas Lena Pierre Camille Luca Giulia Marco Chiara Pablo Lucia Diego Sofia Ivan Olga Dmitri Elena
Kenji Yuki Hiroshi Akiko Takumi Sakura Minjun Jiwoo Seojun Hyun Tuan Linh Quang Nguyen Arjun Kavya
John Emily Robert Jessica William Ashley Richard Amanda Joseph Laura Charles Rachel Christopher Julia
Matthew Hannah Andrew Grace Joshua Chloe Ryan Zoe Nathan Alice Samuel Clara Benjamin Eva Alexander
Marie Felix Ines Noah Mia Elias Lea Paul Ida Oskar Freya Mateo Valentina Tomas Isabel Yusuf Zeynep`)

// gen makes synthetic papers and queries. The same seed gives the same
// corpus, so a cached index matches what a rebuild would write.
type Gen struct {
	rng     *rand.Rand
	Vocab   []string
	zipf    *rand.Zipf // over Vocab: abstracts
	mlZipf  *rand.Zipf // over the ML words only: titles, keywords, queries
	authors []string
	authZ   *rand.Zipf // a few authors write many papers
	nFunc   int
	venueAt []int // share-weighted venue indexes
}

func NewGen(seed uint64) *Gen {
	rng := rand.New(rand.NewPCG(seed, 1))
	g := &Gen{Vocab: Vocabulary(rng), nFunc: len(strings.Fields(FunctionWords))}
	surnames := make([]string, 6000)
	for i := range surnames {
		surnames[i] = surname(rng)
	}
	g.authors = make([]string, 40000)
	for i := range g.authors {
		g.authors[i] = firstNames[rng.IntN(len(firstNames))] + " " + surnames[rng.IntN(len(surnames))]
	}
	for i, v := range Venues {
		for range v.share {
			g.venueAt = append(g.venueAt, i)
		}
	}
	g.Reseed(seed)
	return g
}

// reseed restarts the random draws, keeping the vocabulary and authors: a
// query generator shares the corpus's words without repeating its titles.
func (g *Gen) Reseed(seed uint64) {
	g.rng = rand.New(rand.NewPCG(seed, 11))
	g.zipf = rand.NewZipf(rand.New(rand.NewPCG(seed, 2)), 1.07, 1, uint64(len(g.Vocab)-1))
	g.mlZipf = rand.NewZipf(rand.New(rand.NewPCG(seed, 3)), 1.05, 4, uint64(len(g.Vocab)-g.nFunc-1))
	g.authZ = rand.NewZipf(rand.New(rand.NewPCG(seed, 4)), 1.01, 50, uint64(len(g.authors)-1))
}

func surname(rng *rand.Rand) string {
	const consonants, vowels = "bcdfghklmnprstvwz", "aeiou"
	var b strings.Builder
	b.WriteByte(consonants[rng.IntN(len(consonants))] - 'a' + 'A')
	for range 1 + rng.IntN(3) {
		b.WriteByte(vowels[rng.IntN(len(vowels))])
		b.WriteByte(consonants[rng.IntN(len(consonants))])
	}
	return b.String()
}

func (g *Gen) word() string   { return g.Vocab[g.zipf.Uint64()] }
func (g *Gen) mlWord() string { return g.Vocab[g.nFunc+int(g.mlZipf.Uint64())] }

// phrase is k ML words, with a function word now and then, as in titles and
// queries ("contrastive learning of graph representations").
func (g *Gen) phrase(k int) []string {
	ws := make([]string, k)
	for i := range ws {
		if i > 0 && i < k-1 && g.rng.IntN(5) == 0 {
			ws[i] = []string{"for", "of", "with", "in", "via", "and"}[g.rng.IntN(6)]
		} else {
			ws[i] = g.mlWord()
		}
	}
	return ws
}

// prose is about n words of sentences of 10 to 28 words.
func (g *Gen) prose(n int) string {
	var b strings.Builder
	for written := 0; written < n; {
		k := min(10+g.rng.IntN(19), n-written)
		written += k
		for i := range k {
			w := g.word()
			if i == 0 {
				w = strings.ToUpper(w[:1]) + w[1:]
			} else {
				b.WriteByte(' ')
			}
			b.WriteString(w)
			if i > 2 && i < k-2 && g.rng.IntN(12) == 0 {
				b.WriteByte(',')
			}
		}
		b.WriteString(". ")
	}
	return strings.TrimSpace(b.String())
}

func (g *Gen) title() string {
	ws := g.phrase(8 + g.rng.IntN(7))
	for i, w := range ws {
		if len(w) > 3 || i == 0 {
			ws[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	if g.rng.IntN(3) == 0 {
		ws[1+g.rng.IntN(2)] += ":"
	}
	return strings.Join(ws, " ")
}

// query is what a person types: 3 to 10 words, mostly ML terms.
func (g *Gen) Query() string { return strings.Join(g.phrase(3+g.rng.IntN(8)), " ") }

const noteIDChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"

func (g *Gen) noteID() string {
	b := make([]byte, 10)
	for i := range b {
		b[i] = noteIDChars[g.rng.IntN(len(noteIDChars))]
	}
	return string(b)
}

// paper makes the i-th paper (numbered within the corpus, not the venue).
func (g *Gen) Paper(i int) paper.Paper {
	v := Venues[g.venueAt[g.rng.IntN(len(g.venueAt))]].Venue
	year := v.Year
	if year == 0 {
		year = 2023 + g.rng.IntN(3)
	}
	id := g.noteID()
	o := g.outcome()
	created := time.Date(year-1, 9, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(g.rng.IntN(90*24)) * time.Hour)
	p := paper.Paper{
		ID: id, Forum: id, Number: i + 1, VenueID: v.ID, Venue: v.Label, VenueRaw: v.Label, Year: year,
		APIVersion: v.APIVersion, Status: o.status, Presentation: o.presentation,
		Title: g.title(), Abstract: g.prose(150 + g.rng.IntN(101)),
		ForumURL: "https://openreview.net/forum?id=" + id, PDFURL: "https://openreview.net/pdf?id=" + id,
		Created: created, Modified: created.Add(time.Duration(g.rng.IntN(200*24)) * time.Hour), Published: created,
	}
	if o.presentation != "" {
		p.VenueRaw = v.Label + " " + strings.ToUpper(string(o.presentation[:1])) + string(o.presentation[1:])
	}
	if g.rng.IntN(10) < 6 {
		p.TLDR = g.prose(15 + g.rng.IntN(16))
	}
	if year >= 2024 && v.Year != 0 {
		p.PrimaryArea = strings.Join(g.phrase(2+g.rng.IntN(3)), " ")
	}
	for range 3 + g.rng.IntN(6) {
		name := g.authors[g.authZ.Uint64()]
		p.Authors = append(p.Authors, name)
		p.AuthorIDs = append(p.AuthorIDs, "~"+strings.ReplaceAll(name, " ", "_")+"1")
	}
	for range 3 + g.rng.IntN(4) {
		p.Keywords = append(p.Keywords, strings.Join(g.phrase(1+g.rng.IntN(3)), " "))
	}
	first := p.Authors[0][strings.LastIndex(p.Authors[0], " ")+1:]
	p.BibTeX = fmt.Sprintf("@inproceedings{\n%s%d%s,\ntitle={%s},\nauthor={%s},\nbooktitle={%s},\nyear={%d},\nurl={%s}\n}",
		strings.ToLower(first), year, strings.ToLower(strings.Fields(p.Title)[0]), p.Title,
		strings.Join(p.Authors, " and "), v.Label, year, p.ForumURL)
	return p
}

func (g *Gen) outcome() outcome {
	r := g.rng.IntN(1000)
	for _, o := range outcomes {
		if r < o.perMille {
			return o
		}
		r -= o.perMille
	}
	return outcomes[len(outcomes)-1]
}
