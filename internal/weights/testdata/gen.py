#!/usr/bin/python3
"""Writes the weights fixtures and the values Go must read from them.

Run from anywhere with Debian's python3-torch (1.13):

    /usr/bin/python3 internal/weights/testdata/gen.py

Outputs, next to this script:
  torch_*.bin        checkpoints written by torch.save (zip format)
  legacy.bin         the pre-1.6 format, which Go must refuse
  evil.bin           a torch.save zip whose pickle calls os.system; the script
                     checks that torch.load really runs it, so the Go test that
                     loads it without effect proves something
  model.safetensors  written by a small pure-Python safetensors writer
  expected.json      file -> tensor name -> {"shape", "bits"}: every element as
                     the bit pattern of its float32 conversion (exact, NaN-safe)
"""

import collections
import json
import os
import struct
import subprocess
import sys
import tempfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(20240611)


def bits(t):
    flat = t.detach().to(torch.float32).contiguous().reshape(-1)
    return [struct.unpack("<I", struct.pack("<f", v))[0] for v in flat.tolist()]


def describe(sd):
    return {k: {"shape": list(v.shape), "bits": bits(v)} for k, v in sd.items()}


def mixed():
    """Every storage type, views, shared storages, 0-d and empty tensors."""
    base = torch.randn(4, 5)
    cols = torch.randn(3, 6)
    tied = torch.randn(2, 3)
    sd = collections.OrderedDict()
    sd["f32"] = torch.randn(3, 4)
    sd["f16"] = torch.tensor(
        [0.0, -0.0, 1.0, -2.5, 65504.0, 2.0**-24, 1e-5, -3e-7, float("inf"), float("-inf"), float("nan"), 0.1],
        dtype=torch.float16,
    )
    sd["bf16"] = torch.cat([torch.randn(5), torch.tensor([1e38, -1e-39, float("inf"), float("nan")])]).to(torch.bfloat16)
    sd["f64"] = torch.tensor([[1.0 / 3, -1e-50], [1e300, 2.5]], dtype=torch.float64)
    sd["i64"] = torch.tensor([0, -1, 2**40 + 3, -(2**62)], dtype=torch.int64)
    sd["i32"] = torch.tensor([7, -8, 2**31 - 1], dtype=torch.int32)
    sd["i16"] = torch.tensor([-300, 300], dtype=torch.int16)
    sd["i8"] = torch.tensor([-128, 127, 0], dtype=torch.int8)
    sd["u8"] = torch.tensor([0, 255, 9], dtype=torch.uint8)
    sd["bool"] = torch.tensor([True, False, True])
    sd["base"] = base
    sd["base_rows"] = base[1:3]  # storage offset 5, contiguous
    sd["base_t"] = base.t()  # transposed view of the same storage
    sd["cols"] = cols[:, 2:5]  # offset and non-contiguous rows
    sd["cols_step"] = cols[::2, ::3]  # strides (12, 3)
    sd["tied_a"] = tied
    sd["tied_b"] = tied  # the same tensor object under two names
    sd["half_t"] = torch.randn(2, 3).to(torch.float16).t()
    sd["position_ids"] = torch.arange(7).expand((1, -1))  # stride (0, 1)
    sd["expanded"] = torch.randn(1, 3).expand(4, 3)
    sd["scalar"] = torch.tensor(3.5)
    sd["empty"] = torch.zeros(0, 3)
    sd["param"] = torch.nn.Parameter(torch.randn(2, 2))
    sd["d4"] = torch.randn(2, 1, 3, 2).permute(3, 1, 0, 2)
    return sd


class Tiny(torch.nn.Module):
    """A tiny model with tied input and output embeddings."""

    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Embedding(10, 4)
        self.proj = torch.nn.Linear(4, 4)
        self.norm = torch.nn.LayerNorm(4)
        self.decoder = torch.nn.Linear(4, 10, bias=False)
        self.decoder.weight = self.embed.weight
        self.register_buffer("position_ids", torch.arange(6).expand((1, -1)))


class Evil:
    def __reduce__(self):
        return (os.system, ("touch PWNED",))


def save(name, obj, **kw):
    path = os.path.join(HERE, name)
    torch.save(obj, path, **kw)
    return path


def check_evil_is_live(path):
    """torch.load of evil.bin must run the payload, or the Go test proves nothing."""
    with tempfile.TemporaryDirectory() as d:
        subprocess.run([sys.executable, "-c", "import torch,sys; torch.load(sys.argv[1])", path], cwd=d, check=True)
        assert os.path.exists(os.path.join(d, "PWNED")), "evil.bin payload did not run under torch.load"


def write_safetensors(path, tensors, metadata):
    names = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64"}
    header, chunks, off = {"__metadata__": metadata}, [], 0
    for name, t in tensors.items():
        t = t.contiguous()
        raw = t.view(torch.int16).numpy().tobytes() if t.dtype == torch.bfloat16 else t.numpy().tobytes()
        header[name] = {"dtype": names[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        chunks.append(raw)
        off += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(chunks))


def main():
    expected = {}
    sd = mixed()
    save("torch_mixed.bin", sd)
    expected["torch_mixed.bin"] = describe(sd)

    tiny = Tiny().state_dict()
    save("torch_module.bin", tiny)
    expected["torch_module.bin"] = describe(tiny)
    save("torch_proto4.bin", tiny, pickle_protocol=4)
    expected["torch_proto4.bin"] = describe(tiny)

    inner = collections.OrderedDict(w=torch.randn(2, 2), b=torch.randn(2))
    save("torch_nested.bin", {"state_dict": inner, "epoch": 3, "optimizer": {"lr": 0.1, "m": torch.ones(2)}})
    expected["torch_nested.bin"] = describe(inner)

    a, b, c = torch.randn(3), torch.randn(2, 2), torch.randn(1)
    save("torch_wrapped.bin", {"model": {"encoder": {"w": a}, "heads": [b, (c, "tag")]}, "step": 5, 7: a})
    expected["torch_wrapped.bin"] = describe(
        {"model.encoder.w": a, "model.heads.0": b, "model.heads.1.0": c, "7": a}
    )

    save("legacy.bin", {"w": torch.ones(2)}, _use_new_zipfile_serialization=False)
    check_evil_is_live(save("evil.bin", {"w": torch.ones(2), "evil": Evil()}))

    st = collections.OrderedDict(
        (k, v) for k, v in tiny.items() if k != "decoder.weight"
    )
    st["half"] = torch.randn(2, 3).to(torch.float16)
    st["brain"] = torch.randn(3).to(torch.bfloat16)
    st["scalar"] = torch.tensor(-1.25)
    st["empty"] = torch.zeros(0, 2)
    write_safetensors(os.path.join(HERE, "model.safetensors"), st, {"format": "pt"})
    expected["model.safetensors"] = describe(st)

    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
