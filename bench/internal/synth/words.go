package synth

import (
	"slices"
	"strings"
)

// FunctionWords head the vocabulary: in real abstracts they are the most
// frequent words, and they make the keyword index's biggest posting lists.
const FunctionWords = `the of and a to in we is for that on with this our by as are an be from
which it can these at show model its such not their both while than more using also has have into
two each over when how new only use but between across most other per all they one through them
without while under used based however further then thus where whether there so three may often`

// mlWords are words of machine-learning abstracts, titles and keywords.
// Derived forms (prefixes, plurals) extend them to a few thousand.
const mlWords = `learning neural network networks deep model models training data dataset datasets
task tasks benchmark benchmarks performance accuracy method methods approach approaches framework
algorithm algorithms representation representations embedding embeddings attention transformer
transformers language vision image images video text graph graphs node nodes edge edges layer layers
encoder decoder sequence sequences token tokens loss function functions gradient gradients optimization
optimizer stochastic descent convergence convex nonconvex bound bounds theory theoretical empirical
empirically analysis generalization robustness robust adversarial attack attacks defense privacy
differential federated client clients server communication distributed parallel scalable scaling
efficient efficiency inference latency memory compute computation cost sparse dense sparsity pruning
quantization distillation compression knowledge teacher student pretraining pretrained finetuning
fine tuning prompt prompts prompting instruction instructions alignment preference preferences reward
rewards reinforcement policy policies agent agents environment environments exploration exploitation
offline online value function critic actor planning trajectory trajectories imitation demonstration
demonstrations control robot robotic robotics manipulation locomotion navigation simulation simulator
generative generation diffusion score denoising sampling sampler samples sample noise variational
autoencoder latent posterior prior likelihood bayesian probabilistic uncertainty calibration
estimation estimator estimators causal causality intervention counterfactual confounding treatment
effect effects fairness bias biases spurious correlation correlations shift distribution distributions
domain domains adaptation transfer meta few shot zero continual lifelong forgetting catastrophic
curriculum active semi supervised unsupervised self contrastive clustering classification regression
segmentation detection recognition retrieval ranking recommendation question answering reasoning
mathematical arithmetic logical symbolic program programs code synthesis verification formal proof
proofs theorem theorems lemma kernel kernels gaussian process processes random feature features
matrix matrices tensor tensors factorization decomposition spectral eigenvalue low rank dimensional
dimension dimensionality manifold geometry geometric equivariant invariant invariance symmetry group
groups convolutional convolution recurrent lstm mlp residual normalization batch dropout activation
weights weight initialization width depth overparameterized parameterization implicit regularization
lottery ticket mixture expert experts routing gating modular hierarchical multiscale resolution
spatial temporal spatiotemporal dynamics dynamical system systems ordinary differential equation
equations physics informed operator operators solver solvers molecule molecules molecular protein
proteins drug discovery chemistry materials biology biological genomics single cell medical clinical
health patient patients imaging radiology pathology speech audio music acoustic multimodal modality
modalities visual textual caption captioning grounding scene scenes object objects pose shape shapes
point cloud clouds rendering radiance field fields neural implicit surface reconstruction depth
stereo optical flow tracking video understanding action recognition temporal localization open
vocabulary world knowledge factual hallucination hallucinations faithfulness truthfulness safety
harmful jailbreak red teaming watermark watermarking copyright memorization membership leakage
unlearning editing steering interpretability interpretable explanation explanations attribution
saliency probing circuits mechanistic neurons features superposition concept concepts linear
nonlinear probe probes emergent emergence capability capabilities scaling laws compute optimal
tokenizer tokenization vocabulary multilingual translation cross lingual low resource dialogue
conversational chat assistant assistants evaluation evaluate evaluating metric metrics human judgment
annotation annotations label labels noisy weak supervision synthetic augmentation augmentations
mixup regularizer contrastive negative negatives positive positives pairs triplet similarity
distance metric nearest neighbor neighbors search index indexing hashing quantizer codebook vector
vectors discrete continuous combinatorial integer linear programming scheduling routing traveling
salesman heuristic heuristics solver evolutionary genetic bandit bandits regret exploration upper
confidence thompson sampling arms contextual linear online learning game games equilibrium nash
multiagent cooperative competitive auction mechanism social choice voting market markets economic
forecasting time series anomaly outlier detection tabular structured unstructured missing imputation
graph neural message passing oversmoothing oversquashing expressive expressivity isomorphism
weisfeiler lehman subgraph motif link prediction heterogeneous hypergraph knowledge base bases
entity entities relation relations extraction parsing syntactic semantic semantics summarization
long context window length extrapolation positional encoding rotary relative absolute state space
mamba recurrence linear attention efficient transformer memory retrieval augmented rag agentic tool
tools use planning chain thought reflection verifier verifiers search tree monte carlo mcts value
guided decoding speculative beam greedy temperature top nucleus perplexity entropy information
theoretic mutual divergence wasserstein optimal transport kl gan gans discriminator generator flow
flows normalizing continuous time stochastic differential score matching energy based boltzmann
markov chain monte mcmc langevin hamiltonian variational inference elbo amortized posterior
collapse disentangled disentanglement identifiability independent component causal representation
structure discovery acyclic dag directed graphical models bayes nets hypothesis testing conformal
prediction intervals coverage statistical guarantees sample complexity pac minimax lower upper
rates rate convergence analysis smooth nonsmooth lipschitz strongly convexity saddle point escape
landscape loss surface sharpness flat minima sam adam sgd momentum learning rate schedule warmup
decay clipping mixed precision hardware gpu gpus tpu accelerator throughput serving deployment
edge mobile device devices energy carbon footprint green benchmark leaderboard reproducibility
open source release library toolkit platform suite testbed challenge competition survey position
perspective critique limitations failure modes shortcut shortcuts spurious robustness certified
verification lipschitz randomized smoothing perturbation perturbations patch universal transferable
black box white query queries gradient free zeroth order evolutionary strategies hyperparameter
hyperparameters tuning automl architecture architectures nas search space supernet weight sharing
ensemble ensembles bagging boosting trees tree forest forests decision boundary margin svm logistic
softmax sigmoid relu gelu activation function universal approximation expressive power depth
separation neural tangent kernel ntk infinite width mean field feature learning lazy regime grokking
double descent benign overfitting interpolation memorization capacity compression information
bottleneck representation similarity cka alignment uniformity collapse dimensional whitening
redundancy reduction barlow twins siamese momentum encoder byol simclr moco masked image modeling
autoencoding autoregressive next token prediction language modeling masked pretraining objective
objectives downstream linear probing zero shot transfer prompt tuning adapter adapters lora low
rank parameter efficient instruction tuning rlhf dpo preference optimization reward modeling
constitutional feedback critique self improvement bootstrapping distillation synthetic data
curation filtering deduplication quality mixture domain weighting data selection coreset importance
sampling influence functions valuation shapley attribution example difficulty forgetting events`

// vocabSize is how many distinct words the synthetic papers use.
const vocabSize = 4000

// vocabulary returns the function words, then the ML words and derived forms
// in a shuffled (seeded) order, vocabSize in all: a word's position is its
// frequency rank, so the function words are the most frequent and ML words
// spread over the whole Zipf curve.
func Vocabulary(rng interface{ IntN(int) int }) []string {
	seen := map[string]bool{}
	var fw, ml []string
	for _, w := range strings.Fields(FunctionWords) {
		if !seen[w] {
			seen[w] = true
			fw = append(fw, w)
		}
	}
	base := strings.Fields(mlWords)
	for _, w := range base {
		if !seen[w] {
			seen[w] = true
			ml = append(ml, w)
		}
	}
	prefixes := strings.Fields("multi semi self pre meta hyper sub inter cross non co re un over post intra")
	for len(fw)+len(ml) < vocabSize {
		w := base[rng.IntN(len(base))]
		if len(w) < 4 {
			continue
		}
		var d string
		if rng.IntN(3) == 0 && !strings.HasSuffix(w, "s") {
			d = w + "s"
		} else {
			d = prefixes[rng.IntN(len(prefixes))] + w
		}
		if !seen[d] {
			seen[d] = true
			ml = append(ml, d)
		}
	}
	for i := len(ml) - 1; i > 0; i-- {
		j := rng.IntN(i + 1)
		ml[i], ml[j] = ml[j], ml[i]
	}
	return slices.Concat(fw, ml)
}
