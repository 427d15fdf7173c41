"""Derives the exp coefficients in ../softmax.go (run with Debian's python3-numpy).

e^r ~= sum c_i r^i on |r| <= ln2/2, degree 6, fitted for relative error by
weighted least squares with Lawson reweighting; the best iterate is kept.
"""
import math

import numpy as np

DEG, ITERS = 6, 200
H = math.log(2) / 2

r = np.concatenate([np.cos(np.linspace(0, np.pi, 4000)) * H, np.linspace(-H, H, 4000)])
f = np.exp(r)
w = np.ones_like(r)
best = None
for _ in range(ITERS):
    a = np.stack([r**i for i in range(DEG + 1)], axis=1) * (w / f)[:, None]
    c, *_ = np.linalg.lstsq(a, w, rcond=None)
    err = np.polyval(c[::-1], r) / f - 1
    e = np.abs(err).max()
    if best is None or e < best[0]:
        best = (e, c.copy())
    w = w * np.abs(err)
    w = w / w.max() + 1e-4
print("coefficients:", ["%.17g" % c for c in best[1]])
print("max relative error: %.3g" % best[0])
