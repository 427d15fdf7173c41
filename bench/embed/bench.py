#!/usr/bin/env python3
"""Embedding speed: our Go encoder against plain PyTorch, same model, same texts, one run.

Builds (once, under bench/.cache/) a BERT-base model of SPECTER2's exact shape with random
weights and a random proximity-style adapter, in the Hub's file formats; makes 500 realistic
title+abstract texts (about 150-400 tokens); embeds them with the Go encoder (bench/embed,
length-sorted batches without padding) and with plain torch the way the Python tool batches
(8 texts per batch, padded to the longest); prints docs/s for both and the ratio.

    /usr/bin/python3 bench/embed/bench.py            # needs Debian's python3-torch and Go
    /usr/bin/python3 bench/embed/bench.py --torch-as-installed

Debian's OpenBLAS 0.3.21 does not recognise some recent CPUs and then runs its SSE3 kernels, 5x
slower; our Go side re-selects the right kernels itself. To compare with the best torch can do,
the torch side runs with OPENBLAS_CORETYPE set to the CPU's best core unless you ask for torch as
installed (or set OPENBLAS_CORETYPE yourself).

The torch model is scripts/fixtures/reference_bert.py, the same independent implementation the
parity fixtures come from. Torch runs on 2 threads (torch.set_num_threads(2)), as many as the
machine has cores.
"""
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

if "torch" not in sys.modules and sys.executable != "/usr/bin/python3" and Path("/usr/bin/python3").exists():
    try:
        import torch  # noqa: F401
    except ImportError:
        os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])

import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "fixtures"))
import reference_bert as rb  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
MODEL, ADAPTER = CACHE / "bert-base-random", CACHE / "adapter-random"
TEXTS = CACHE / "texts.jsonl"
N_DOCS, TORCH_BATCH = 500, 8

CONFIG = {  # allenai/specter2_base's config.json (specter2-model.md §1.3)
    "architectures": ["BertModel"], "attention_probs_dropout_prob": 0.1, "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1, "hidden_size": 768, "initializer_range": 0.02,
    "intermediate_size": 3072, "layer_norm_eps": 1e-12, "max_position_embeddings": 512,
    "model_type": "bert", "num_attention_heads": 12, "num_hidden_layers": 12, "pad_token_id": 0,
    "position_embedding_type": "absolute", "torch_dtype": "float32", "type_vocab_size": 2,
    "vocab_size": 31090,
}


def vocab():
    base = (ROOT / "testdata" / "models" / "tiny-bin" / "vocab.txt").read_text().split("\n")[:-1]
    return base + [f"filler{i}" for i in range(CONFIG["vocab_size"] - len(base))]


def build_model():
    if (ADAPTER / "pytorch_adapter.bin").exists():
        return
    print("building a random BERT-base (once) ...", file=sys.stderr)
    shutil.rmtree(CACHE, ignore_errors=True)
    MODEL.mkdir(parents=True)
    ADAPTER.mkdir(parents=True)
    torch.manual_seed(0)
    model = rb.BertModel(rb.Config(CONFIG))
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm" not in name:
                p.normal_(0, 0.02)
    torch.save(model.state_dict(), MODEL / "pytorch_model.bin")
    (MODEL / "config.json").write_text(json.dumps(CONFIG, indent=2, sort_keys=True) + "\n")
    (MODEL / "vocab.txt").write_text("\n".join(vocab()) + "\n")
    shutil.copy(ROOT / "testdata" / "models" / "tiny-bin" / "tokenizer_config.json", MODEL)
    rb.add_adapter(model, "[PRX]", 16)
    state = {"bert." + k: v for k, v in model.state_dict().items() if ".adapters." in k}
    torch.save(state, ADAPTER / "pytorch_adapter.bin")
    cfg = json.loads((ROOT / "testdata" / "models" / "tiny-bin-adapter-proximity" / "adapter_config.json").read_text())
    cfg["hidden_size"] = 768
    (ADAPTER / "adapter_config.json").write_text(json.dumps(cfg, indent=2, sort_keys=True) + "\n")


def build_texts():
    if TEXTS.exists():
        return
    words = [w for w in vocab()[:1130] if w.isalpha() and len(w) > 2 and w.islower()]
    rng = random.Random(7)

    def sentence():
        s = " ".join(rng.choice(words) for _ in range(rng.randint(8, 22)))
        return s[0].upper() + s[1:] + "."

    with TEXTS.open("w") as f:
        for _ in range(N_DOCS):
            title = sentence()[:-1]
            target = rng.randint(130, 380)  # words; punctuation and pieces add tokens
            abstract = []
            while sum(len(s.split()) for s in abstract) < target:
                abstract.append(sentence())
            f.write(json.dumps({"text": title + "[SEP]" + " ".join(abstract)}) + "\n")


def go_side():
    exe = CACHE / "embed-bench"
    subprocess.run(["go", "build", "-o", str(exe), "./bench/embed"], cwd=ROOT, check=True)
    out = subprocess.run([str(exe), "-model", str(MODEL), "-adapter", str(ADAPTER), "-input", str(TEXTS)],
                         cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def go_ids():
    exe = CACHE / "openreview-finder"
    subprocess.run(["go", "build", "-o", str(exe), "./cmd/openreview-finder"], cwd=ROOT, check=True)
    out = subprocess.run([str(exe), "tokenize", "--model", str(MODEL), "--input", str(TEXTS)],
                         cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return [json.loads(line)["ids"] for line in out.splitlines()]


def torch_side(ids):
    torch.set_num_threads(2)
    torch.manual_seed(0)
    model = rb.BertModel(rb.Config(CONFIG))
    model.load_state_dict(torch.load(MODEL / "pytorch_model.bin"))
    rb.add_adapter(model, "[PRX]", 16)
    adapter = torch.load(ADAPTER / "pytorch_adapter.bin")
    model.load_state_dict({k[len("bert."):]: v for k, v in adapter.items()}, strict=False)
    model.eval()
    with torch.inference_mode():
        rb.encode(model, ids[:TORCH_BATCH], "[PRX]")  # warm-up
        start = time.perf_counter()
        for i in range(0, len(ids), TORCH_BATCH):  # the Python tool's batching: 8, padded
            rb.encode(model, ids[i:i + TORCH_BATCH], "[PRX]")
        secs = time.perf_counter() - start
        query = ids[0][:15] + [ids[0][-1]]  # [CLS], 14 word pieces, [SEP]
        lat = []
        for _ in range(30):
            t = time.perf_counter()
            rb.encode(model, [query], "[PRX]")
            lat.append((time.perf_counter() - t) * 1000)
    lat.sort()
    return {"embed_s": secs, "docs_per_s": len(ids) / secs, "threads": torch.get_num_threads(),
            "torch": torch.__version__, "query_p50_ms": lat[len(lat) // 2]}


def best_coretype():
    """The OpenBLAS core for this CPU, for when OpenBLAS 0.3.21 does not recognise it and falls
    back to its SSE3 kernels (as our Go side corrects for itself; see internal/tensor)."""
    flags = Path("/proc/cpuinfo").read_text()
    if " avx512f " in flags:
        return "SkylakeX"
    if " avx2 " in flags:
        return "Haswell"
    return None


def torch_subprocess(ids_path, coretype):
    env = dict(os.environ)
    if coretype:
        env["OPENBLAS_CORETYPE"] = coretype
    out = subprocess.run([sys.executable, __file__, "--torch-only", str(ids_path)], env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--torch-only":
        print(json.dumps(torch_side(json.loads(Path(sys.argv[2]).read_text()))))
        return
    as_installed = "--torch-as-installed" in sys.argv
    build_model()
    build_texts()
    ids = go_ids()
    ids_path = CACHE / "ids.json"
    ids_path.write_text(json.dumps(ids))
    go = go_side()
    coretype = None if as_installed or os.environ.get("OPENBLAS_CORETYPE") else best_coretype()
    pt = torch_subprocess(ids_path, coretype)
    tokens = sum(len(x) for x in ids)
    print(f"texts: {len(ids)}, {tokens} tokens ({tokens / len(ids):.0f} per text), BERT-base shape, random weights + adapter")
    print(f"go    ({go['backend']}): {go['docs_per_s']:.2f} docs/s ({go['embed_s']:.1f} s), "
          f"16-token query p50 {go['query_p50_ms']:.1f} ms (p90 {go['query_p90_ms']:.1f}, {go['query_tokens']} tokens), "
          f"peak RSS {go['peak_rss_mb']:.0f} MB, load {go['load_s']:.2f} s")
    kernels = f"OPENBLAS_CORETYPE={coretype}" if coretype else "OpenBLAS as installed"
    print(f"torch ({pt['torch']}, {pt['threads']} threads, {kernels}, batches of {TORCH_BATCH} padded): "
          f"{pt['docs_per_s']:.2f} docs/s ({pt['embed_s']:.1f} s), 16-token query p50 {pt['query_p50_ms']:.1f} ms")
    print(f"ratio go/torch: {go['docs_per_s'] / pt['docs_per_s']:.2f}x")


if __name__ == "__main__":
    main()
