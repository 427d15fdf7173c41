"""Derives the erf coefficients in ../gelu.go (run with Debian's python3-numpy).

erf(z) ~= z*P(z^2)/Q(z^2) on [0, ZMAX], P of degree 6, Q of degree 5 with
Q(0) = 1. Linearised least squares (z*P - erf*Q = 0, weighted by 1/Q of the
previous step), with Lawson reweighting towards the largest errors; the best
iterate is kept. Prints the coefficients and the largest absolute error,
clamp included, over a dense grid on [0, 6].
"""
import math

import numpy as np

NA, NB, ZMAX, ITERS = 6, 5, 4.35, 120


def fit():
    z = np.concatenate([np.cos(np.linspace(0, np.pi, 6000)) * ZMAX / 2 + ZMAX / 2,
                        np.linspace(0, ZMAX, 6000)])
    f = np.array([math.erf(t) for t in z])
    s = z * z
    w = np.ones_like(z)
    qprev = np.ones_like(z)
    best = None
    for _ in range(ITERS):
        cols = [z * s**i for i in range(NA + 1)] + [-f * s**j for j in range(1, NB + 1)]
        a = np.stack(cols, axis=1) * (w / qprev)[:, None]
        scale = np.abs(a).max(axis=0)
        x, *_ = np.linalg.lstsq(a / scale, f * w / qprev, rcond=None)
        x = x / scale
        p, q = x[:NA + 1], np.concatenate([[1.0], x[NA + 1:]])
        qv = np.polyval(q[::-1], s)
        err = z * np.polyval(p[::-1], s) / qv - f
        e = np.abs(err).max()
        if best is None or e < best[0]:
            best = (e, p.copy(), q.copy())
        qprev = qv
        w = w * np.abs(err)
        w = w / w.max() + 1e-3
    return best


e, p, q = fit()
p = [float("%.17g" % c) for c in p]
q = [float("%.17g" % c) for c in q]
zs = np.linspace(0, 6, 200001)
zc = np.minimum(zs, ZMAX)
approx = zc * np.polyval(p[::-1], zc * zc) / np.polyval(q[::-1], zc * zc)
exact = np.array([math.erf(t) for t in zs])
print("P:", ["%.17g" % c for c in p])
print("Q:", ["%.17g" % c for c in q])
print("max abs error on [0, 6]: %.3g" % np.abs(approx - exact).max())
