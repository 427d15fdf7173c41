package openreviewtest

import (
	"github.com/openreview-finder/openreview-finder/internal/paper"
)

// fixedAbstract is the abstract of several fixed notes.
const fixedAbstract = "We revisit a classical question with modern tools. " +
	"Our analysis connects optimisation dynamics to generalisation and yields simple, testable predictions. " +
	"Experiments on standard benchmarks confirm the predictions and expose the limits of current methods."

// HolographicAbstract is the abstract of the fixed note "JoseMuller"; the
// word "holographic" appears in no other note.
const HolographicAbstract = "We introduce holographic attention, a phase encoding of keys and queries " +
	"that lets transformers attend over a million tokens in linear time and memory. " +
	"Each token is mapped to a complex phase whose interference pattern stores its position; " +
	"reading the pattern recovers exact softmax attention up to a bounded error. " +
	"On long-context retrieval, summarisation and code completion, holographic attention matches " +
	"full attention while using a twentieth of the memory."

// fixedNote is a hand-written ICLR 2025 note with a known outcome.
type fixedNote struct {
	d draft
	o outcome
}

func fixedICLR2025() []fixedNote {
	ps := func(names ...string) []person {
		out := make([]person, 0, len(names)/3)
		for i := 0; i+2 < len(names); i += 3 {
			out = append(out, person{first: names[i], last: names[i+1], id: names[i+2], inst: institutions[i%len(institutions)]})
		}
		return out
	}
	kw := []string{"representation learning", "theory"}
	pdf := func(sha string) string { return "/pdf/" + sha + ".pdf" }
	return []fixedNote{
		{o: acc(paper.PresentationOral), d: draft{id: "UnIc0de-25",
			title:    "Équivariance sans Frontières: 图神经网络 and ∀ε>0 Bounds for Über-Robust Learning 🚀",
			abstract: "Naïve équivariant models fail on 日本語 and Ελληνικά graphs alike. We prove that ∑ᵢ αᵢ ≤ 1 suffices for robustness ∀ε>0, à la Schrödinger, and show 🚀 speed-ups.",
			keywords: []string{"équivariance", "graph neural networks", "robustness"},
			authors:  ps("Zoë", "Faßbender", "~Zoë_Faßbender1", "李", "雷", "~Lei_Li7", "Ærin", "Ødegård", "~Ærin_Ødegård1"),
			pdf:      pdf("0a1b2c3d4e5f60718293a4b5c6d7e8f901234567")}},
		{o: rejected, d: draft{id: "LaTeX-Html",
			title:    `Beyond $\alpha$-Divergences: <script>alert("x")</script> & <b>Tight</b> Variational Bounds`,
			abstract: `We study $\mathcal{O}(n \log n)$ estimators of $D_\alpha(p \| q)$ for $\alpha \in (0, 1)$. The bound <i>improves</i> on prior work when $n > 10^3$ & the support is finite; see \textbf{Theorem 2} and <a href="javascript:alert(1)">the appendix</a>.`,
			keywords: []string{"divergences", "variational inference"},
			tldr:     `Tighter $\alpha$-divergence bounds <3`,
			authors:  ps("Samuel", "Cohen", "~Samuel_Cohen2", "Nadia", "Haddad", "nadia@inria.fr"),
			pdf:      pdf("1b2c3d4e5f60718293a4b5c6d7e8f9012345678a")}},
		{o: acc(paper.PresentationPoster), d: draft{id: "JoseMuller",
			title:    "Holographic Attention: Phase Encoding for Efficient Long-Context Transformers",
			abstract: HolographicAbstract,
			keywords: []string{"transformers", "long context", "efficient attention"},
			tldr:     "Holographic phase codes make attention linear in sequence length.",
			authors:  ps("José", "Müller", "~José_Müller1", "Ana", "Lima", "~Ana_Lima1", "Wei", "Chen", "wei.chen@mit.edu"),
			pdf:      pdf("2c3d4e5f60718293a4b5c6d7e8f9012345678ab1"), primaryArea: "foundation or frontier models, including LLMs"}},
		{o: acc(paper.PresentationPoster), d: draft{id: "NoAbstract",
			title: "Sparse Autoencoders Recover Interpretable Features in Protein Language Models", keywords: kw,
			authors: ps("Priya", "Patel", "~Priya_Patel1"), pdf: pdf("3d4e5f60718293a4b5c6d7e8f9012345678ab1c2")}},
		{o: withdrawn, d: draft{id: "NoTitle025", abstract: fixedAbstract, keywords: kw,
			authors: ps("Jonas", "Larsen", "~Jonas_Larsen1"), pdf: pdf("4e5f60718293a4b5c6d7e8f9012345678ab1c2d3")}},
		{o: acc(paper.PresentationSpotlight), d: draft{id: "AbsPdfUrl1",
			title: "Scaling Laws for Offline Reinforcement Learning from Heterogeneous Datasets", abstract: fixedAbstract, keywords: kw,
			authors: ps("Mei", "Tanaka", "~Mei_Tanaka1", "Pavel", "Novak", "~Pavel_Novak1"), pdf: "https://arxiv.org/pdf/2410.01234v2"}},
		{o: deskRejected, d: draft{id: "DeskRejct1",
			title: "A Unified Theory of Everything in Deep Learning", abstract: fixedAbstract, keywords: kw,
			authors: ps("Tomas", "Rossi", "~Tomas_Rossi1"), pdf: pdf("5f60718293a4b5c6d7e8f9012345678ab1c2d3e4")}},
		{o: rejected, d: draft{id: "NoKeyword1",
			title: "Curriculum Sampling Improves Diffusion Models for Molecular Property Prediction", abstract: fixedAbstract,
			tldr:    "Order the training molecules by difficulty.",
			authors: ps("Amara", "Mensah", "~Amara_Mensah1"), pdf: pdf("60718293a4b5c6d7e8f9012345678ab1c2d3e4f5")}},
		{o: underReview, d: draft{id: "UnderRevw1",
			title: "Anonymous Submission on Adaptive Mixture of Experts for Code Generation", abstract: fixedAbstract, keywords: kw,
			authors: ps("Henrik", "Andersson", "~Henrik_Andersson1"), pdf: pdf("718293a4b5c6d7e8f9012345678ab1c2d3e4f506")}},
	}
}
