package openreviewtest

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// The vocabulary of the synthetic papers. Titles and abstracts are drawn
// from the same topic (adjective, model family, task, method name), so a
// keyword search for a title's words also finds them in its abstract. The
// word "holographic" appears only in a fixed note (see the package doc), so
// a search for it has exactly one right answer.
var (
	adjectives = []string{
		"Scalable", "Provably Efficient", "Robust", "Sparse", "Self-Supervised", "Contrastive",
		"Hierarchical", "Differentiable", "Federated", "Causal", "Bayesian", "Adaptive",
		"Equivariant", "Multimodal", "Low-Rank", "Generalizable", "Offline", "Zero-Shot",
		"Few-Shot", "Memory-Efficient", "Uncertainty-Aware", "Compositional", "Lightweight",
	}
	families = []string{
		"Transformers", "Diffusion Models", "Graph Neural Networks", "Language Models",
		"Vision Transformers", "Normalizing Flows", "Variational Autoencoders",
		"Mixture of Experts", "State Space Models", "Neural Operators", "Kernel Methods",
		"Policy Gradients", "Energy-Based Models", "Recurrent Networks", "Implicit Neural Representations",
		"Retrieval-Augmented Generators", "Gaussian Processes", "Spiking Neural Networks",
	}
	tasks = []string{
		"Image Classification", "Molecular Property Prediction", "Time Series Forecasting",
		"Protein Structure Design", "Code Generation", "Long-Context Reasoning", "Object Detection",
		"Speech Recognition", "Machine Translation", "Out-of-Distribution Detection",
		"Continual Learning", "Combinatorial Optimization", "Tabular Data Modeling",
		"Video Understanding", "Robotic Manipulation", "Question Answering", "Mathematical Reasoning",
		"Anomaly Detection", "Semantic Segmentation", "Weather Prediction", "Recommender Systems",
		"Offline Reinforcement Learning", "Neural Architecture Search", "Text-to-Image Synthesis",
	}
	methodClauses = []string{
		"via Implicit Regularization", "with Learned Priors", "through the Lens of Information Theory",
		"under Distribution Shift", "at Scale", "without Labels", "in High Dimensions",
		"with Provable Guarantees", "using Synthetic Data", "from Noisy Demonstrations",
		"via Optimal Transport", "with Curriculum Sampling",
	}
	properties = []string{
		"Generalization", "Robustness", "Expressivity", "Sample Complexity", "Convergence",
		"Calibration", "Implicit Bias", "Scaling Behavior", "Stability",
	}
	namePrefixes = []string{"Flash", "Graph", "Meta", "Hyper", "Neuro", "Quant", "Deep", "Omni", "Poly", "Auto", "Tiny", "Mega", "Lumi", "Astra", "Vita"}
	nameSuffixes = []string{"Former", "Net", "Diff", "Mixer", "Flow", "Bench", "Prompt", "RL", "Seg", "Align", "Tune", "Mamba", "Fusion", "KV", "Nav"}
	datasets     = []string{"ImageNet", "CIFAR-100", "MMLU", "GSM8K", "QM9", "OGB", "D4RL", "COCO", "LibriSpeech", "WMT", "HumanEval", "ETTh1", "ScanNet", "Atari-100k", "ZINC", "WikiText-103"}
	keywordPool  = []string{
		"deep learning", "transformers", "diffusion models", "reinforcement learning",
		"graph neural networks", "large language models", "self-supervised learning", "optimization",
		"generalization", "robustness", "federated learning", "interpretability", "causal inference",
		"computer vision", "natural language processing", "time series", "protein design", "fairness",
		"uncertainty quantification", "in-context learning", "representation learning",
		"scaling laws", "efficient inference", "benchmarks", "theory", "AI for science",
	}
	primaryAreas = []string{
		"generative models", "learning theory", "reinforcement learning", "applications to physical sciences",
		"foundation or frontier models, including LLMs", "unsupervised, self-supervised, semi-supervised, and supervised representation learning",
		"optimization", "datasets and benchmarks", "alignment, fairness, safety, privacy, and societal considerations",
	}
	firstNames = []string{
		"Wei", "Maria", "Ahmed", "Yuki", "Olga", "Carlos", "Priya", "Jonas", "Fatima", "Lucas", "Chen",
		"Sofia", "Kwame", "Elena", "Arjun", "Hannah", "Mateo", "Aisha", "Noah", "Ingrid", "Dmitri",
		"Laila", "Tomas", "Mei", "Samuel", "Nadia", "Henrik", "Amara", "Kenji", "Rosa", "Pavel", "Leila",
	}
	lastNames = []string{
		"Smith", "Wang", "Garcia", "Kim", "Schmidt", "Okafor", "Tanaka", "Ivanova", "Rossi", "Patel",
		"Nguyen", "Silva", "Cohen", "Larsen", "Haddad", "Kowalski", "Chen", "Dubois", "Mensah", "Sato",
		"Novak", "Ferreira", "Andersson", "Li", "Zhang", "Brown", "Moreau", "Yilmaz", "Khan", "Park",
	}
	institutions = [][3]string{
		{"Massachusetts Institute of Technology", "mit.edu", "US"}, {"Tsinghua University", "tsinghua.edu.cn", "CN"},
		{"ETH Zurich", "ethz.ch", "CH"}, {"University of Toronto", "utoronto.ca", "CA"},
		{"University of Oxford", "ox.ac.uk", "GB"}, {"KAIST", "kaist.ac.kr", "KR"},
		{"Max Planck Institute for Intelligent Systems", "tue.mpg.de", "DE"}, {"Inria", "inria.fr", "FR"},
		{"University of Tokyo", "u-tokyo.ac.jp", "JP"}, {"Indian Institute of Science", "iisc.ac.in", "IN"},
	}
)

// topic is what one synthetic paper is about; title and abstract share it.
type topic struct {
	adj, family, task, method, property, name string
}

// textGen draws synthetic but realistic-looking text from one random source.
type textGen struct {
	r *rand.Rand
}

func (g textGen) pick(list []string) string { return list[g.r.IntN(len(list))] }

func (g textGen) topic() topic {
	return topic{
		adj: g.pick(adjectives), family: g.pick(families), task: g.pick(tasks),
		method: g.pick(methodClauses), property: g.pick(properties),
		name: g.pick(namePrefixes) + g.pick(nameSuffixes),
	}
}

// title renders a title of 6 to 14 words for the topic.
func (g textGen) title(t topic) string {
	templates := []string{
		"%[1]s %[2]s for %[3]s",
		"%[1]s %[2]s for %[3]s %[4]s",
		"%[6]s: %[1]s %[2]s for %[3]s",
		"On the %[5]s of %[1]s %[2]s",
		"Towards %[1]s %[3]s with %[2]s",
		"Rethinking %[2]s for %[1]s %[3]s",
		"%[6]s: Learning %[3]s with %[1]s %[2]s %[4]s",
		"%[1]s %[3]s: Understanding the %[5]s of %[2]s",
	}
	for {
		s := fmt.Sprintf(g.pick(templates), t.adj, t.family, t.task, t.method, t.property, t.name)
		if n := len(strings.Fields(s)); n >= 6 && n <= 14 {
			return s
		}
	}
}

// abstract renders an abstract of 120 to 250 words for the topic.
func (g textGen) abstract(t topic) string {
	lower := func(s string) string { return strings.ToLower(s) }
	intro := []string{
		fmt.Sprintf("%s have achieved remarkable success in %s, yet their %s remains poorly understood.", t.family, lower(t.task), lower(t.property)),
		fmt.Sprintf("Recent progress in %s has been driven by increasingly large %s, which are expensive to train and difficult to analyze.", lower(t.task), lower(t.family)),
		fmt.Sprintf("A central challenge in %s is to learn representations that remain reliable %s.", lower(t.task), t.method),
	}
	method := []string{
		fmt.Sprintf("In this work, we propose %s, a %s framework that adapts %s to %s %s.", t.name, lower(t.adj), lower(t.family), lower(t.task), t.method),
		fmt.Sprintf("We introduce %s, which combines %s %s with a simple reweighting scheme that requires no additional supervision.", t.name, lower(t.adj), lower(t.family)),
	}
	ds := g.r.Perm(len(datasets))
	body := []string{
		fmt.Sprintf("Our key insight is that the %s of %s is governed by a small number of directions in the learned feature space.", lower(t.property), lower(t.family)),
		fmt.Sprintf("We provide a theoretical analysis showing that %s converges at a rate that is independent of the ambient dimension under mild assumptions.", t.name),
		fmt.Sprintf("Extensive experiments on %s, %s and %s demonstrate that %s outperforms strong baselines by up to %d%% while using %dx less memory.", datasets[ds[0]], datasets[ds[1]], datasets[ds[2]], t.name, 2+g.r.IntN(28), 2+g.r.IntN(9)),
		fmt.Sprintf("Ablation studies reveal that each component contributes to the final performance, and that the gains are largest in the low-data regime of %s.", lower(t.task)),
		"We further show that the learned representations transfer to downstream tasks without fine-tuning, suggesting a path towards more general models.",
		fmt.Sprintf("Unlike prior work, our approach does not rely on hand-crafted augmentations, which makes it applicable to domains where %s are the default choice.", lower(t.family)),
		"We also identify failure modes of existing evaluation protocols and propose a corrected benchmark that better reflects practical deployment conditions.",
		fmt.Sprintf("Empirically, %s scales gracefully with model size, and its training cost grows only linearly with the number of examples.", t.name),
		"Finally, we discuss limitations of our analysis and outline open questions for future research.",
		"Code and pretrained models will be released to facilitate reproducibility.",
	}
	target := 120 + g.r.IntN(131)
	sents := []string{g.pick(intro), g.pick(method)}
	for _, i := range g.r.Perm(len(body)) {
		sents = append(sents, body[i])
	}
	out, words := []string{}, 0
	for i := 0; words < target; i++ {
		s := sents[i%len(sents)]
		out = append(out, s)
		words += len(strings.Fields(s))
	}
	if words > 250 {
		out = out[:len(out)-1]
	}
	return strings.Join(out, " ")
}

// keywords returns 3 to 6 distinct keywords.
func (g textGen) keywords() []string {
	n := 3 + g.r.IntN(4)
	perm := g.r.Perm(len(keywordPool))
	kw := make([]string, n)
	for i := range n {
		kw[i] = keywordPool[perm[i]]
	}
	return kw
}

func (g textGen) tldr(t topic) string {
	return fmt.Sprintf("%s makes %s %s for %s.", t.name, strings.ToLower(t.family), strings.ToLower(t.adj), strings.ToLower(t.task))
}

// person is one synthetic author.
type person struct {
	first, last string
	id          string // "~First_Last3" or an e-mail
	inst        [3]string
}

func (p person) name() string { return p.first + " " + p.last }

// authors returns 1 to 8 authors; about one in ten has an e-mail instead of
// a profile id, as co-authors without a profile do.
func (g textGen) authors() []person {
	n := 1 + g.r.IntN(8)
	ps := make([]person, n)
	for i := range ps {
		p := person{first: g.pick(firstNames), last: g.pick(lastNames), inst: institutions[g.r.IntN(len(institutions))]}
		if g.r.IntN(10) == 0 {
			p.id = strings.ToLower(p.first+"."+p.last) + "@" + p.inst[1]
		} else {
			p.id = fmt.Sprintf("~%s_%s%d", p.first, p.last, 1+g.r.IntN(3))
		}
		ps[i] = p
	}
	return ps
}

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// noteID returns a 10-character base64url-ish id like OpenReview's.
func (g textGen) noteID() string {
	var b [10]byte
	for i := range b {
		b[i] = idAlphabet[g.r.IntN(len(idAlphabet))]
	}
	return string(b[:])
}

// hex40 returns 40 hex digits, the shape of a stored file's sha1.
func (g textGen) hex40() string {
	const digits = "0123456789abcdef"
	var b [40]byte
	for i := range b {
		b[i] = digits[g.r.IntN(16)]
	}
	return string(b[:])
}

// paperhash mimics OpenReview's "lastname|title_words".
func paperhash(lastName, title string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(title) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-':
			b.WriteByte('_')
		}
	}
	return strings.ToLower(lastName) + "|" + b.String()
}

// bibtexKind says which BibTeX entry a status produces (§8 of the reference).
type bibtexKind int

const (
	bibAccepted bibtexKind = iota
	bibRejected
	bibUnderReview
	bibJournal
)

// bibtex renders the entry OpenReview generates for a note.
func bibtex(kind bibtexKind, lastName string, year int, title string, authors []string, booktitle, forum, note string) string {
	first := "untitled"
	if f := strings.Fields(title); len(f) > 0 {
		first = strings.ToLower(strings.Trim(f[0], ":,.$<>"))
	}
	key := strings.ToLower(lastName) + fmt.Sprint(year) + first
	lines := []string{"", "title={" + title + "},", "author={" + strings.Join(authors, " and ") + "},"}
	switch kind {
	case bibAccepted:
		lines[0] = "@inproceedings{\n" + key + ","
		lines = append(lines, "booktitle={"+booktitle+"},")
	case bibRejected:
		lines[0] = "@misc{\n" + key + ","
	case bibUnderReview:
		lines[0] = "@inproceedings{\n" + key + ","
		lines = append(lines, "booktitle={Submitted to "+booktitle+"},", "note={under review},")
	case bibJournal:
		lines[0] = "@article{\n" + key + ","
		lines = append(lines, "journal={Transactions on Machine Learning Research},")
		if note != "" {
			lines = append(lines, "note={"+note+"},")
		}
	}
	lines = append(lines, fmt.Sprintf("year={%d},", year), "url={https://openreview.net/forum?id="+forum+"}", "}")
	return strings.Join(lines, "\n")
}
