#!/usr/bin/env python3
"""Independent float64 reference values for libs/scoring and libs/ensemble (numpy/scipy only).

Writes test/fixtures/scoring/{scores,pointwise}.json. Every score is computed here straight from its
definition (DESIGN §2): pairwise |x_i - x_j| sums (not the sorted formula), scipy.stats for Φ/Φ⁻¹ and the
truncated normal, scipy.integrate.quad for threshold-weighted and truncated-normal CRPS.
Run: /usr/bin/python3 scripts/reference/scoring_reference.py
"""
import json
import os

import numpy as np
from scipy import integrate, stats

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "scoring")
rng = np.random.default_rng(20260101)


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def key(t):
    """Threshold keys as JavaScript's String(number) prints them (279 not 279.0)."""
    return str(int(t)) if float(t).is_integer() else repr(float(t))


def tolist(a):
    return [None if not np.isfinite(v) else float(v) for v in np.ravel(a)]


def ens_twcrps_integral(x, y, t):
    """∫_t^∞ (F_ens(z) - 1{y <= z})^2 dz, exactly, over the breakpoints of the step functions."""
    pts = np.unique(np.concatenate([x, [y, t]]))
    pts = pts[pts >= t]
    total = 0.0
    for a, b in zip(pts[:-1], pts[1:]):
        mid = 0.5 * (a + b)
        F = np.mean(x <= mid)
        H = 1.0 if y <= mid else 0.0
        total += (F - H) ** 2 * (b - a)
    return total


def ensemble_case(m, n, ties, nan_frac, thresholds):
    lat = f32(rng.uniform(-80, 80, n))
    truth = f32(rng.normal(0.0, 2.0, n) + 280.0)
    bias = rng.normal(0.3, 0.5)
    spread = rng.uniform(0.3, 2.0)
    x = f32(truth[None, :] + bias + spread * rng.normal(size=(m, n)))
    if ties:
        x = f32(np.round(x * 2) / 2)
        truth = f32(np.round(truth * 2) / 2)
    # missing truth, a few NaN members, whole-NaN points, points left with a single finite member
    truth[rng.random(n) < nan_frac] = np.nan
    x[rng.random((m, n)) < nan_frac / 2] = np.nan
    x[:, 0] = np.nan
    if m > 2:
        x[1:, 1] = np.nan
    return x, truth, lat


def ensemble_scores(x, truth, lat, thresholds, weights):
    m, n = x.shape
    w_all = np.cos(np.deg2rad(lat)) if weights == "coslat" else np.ones(n)
    acc = dict(crps=[], fair=[], gauss=[], err=[], var=[], w=[], brier=[], tw=[])
    rank = np.zeros(m + 1, dtype=int)
    missing = 0
    for p in range(n):
        xs = x[:, p][np.isfinite(x[:, p])]
        y = truth[p]
        k = xs.size
        if not np.isfinite(y) or k < 2:
            missing += 1
            continue
        pair = np.abs(xs[:, None] - xs[None, :]).sum()
        mae = np.abs(xs - y).mean()
        acc["crps"].append(mae - pair / (2 * k * k))
        acc["fair"].append(mae - pair / (2 * k * (k - 1)))
        mu, sd = xs.mean(), xs.std(ddof=1)
        acc["gauss"].append(
            abs(y - mu) if sd == 0 else gauss_crps(mu, sd, y)
        )
        acc["err"].append(mu - y)
        acc["var"].append(xs.var(ddof=1))
        acc["w"].append(w_all[p])
        rank[int(np.sum(xs < y))] += 1
        acc["brier"].append([(np.mean(xs > t) - float(y > t)) ** 2 for t in thresholds])
        acc["tw"].append([ens_twcrps_integral(xs, y, t) for t in thresholds])
    w = np.array(acc["w"])
    mean = lambda v: float(np.sum(w * np.array(v)) / np.sum(w))
    rmse = np.sqrt(mean(np.array(acc["err"]) ** 2))
    spread = np.sqrt(mean(acc["var"]))
    B = np.array(acc["brier"]).reshape(len(w), -1)
    T = np.array(acc["tw"]).reshape(len(w), -1)
    return dict(
        crps=mean(acc["crps"]),
        crps_fair=mean(acc["fair"]),
        crps_gaussian=mean(acc["gauss"]),
        rmse=float(rmse),
        bias=mean(acc["err"]),
        spread=float(spread),
        ssr=float(spread / rmse),
        rank_histogram=rank.tolist(),
        brier={key(t): float(np.sum(w * B[:, k]) / np.sum(w)) for k, t in enumerate(thresholds)},
        twcrps={key(t): float(np.sum(w * T[:, k]) / np.sum(w)) for k, t in enumerate(thresholds)},
        n=len(w),
        n_missing=missing,
    )


def gauss_crps(mu, sd, y):
    """CRPS of N(mu, sd²) by numerical integration of (F - H)² (independent of the closed form)."""
    lo, hi = min(mu - 12 * sd, y), max(mu + 12 * sd, y)
    F = lambda z: stats.norm.cdf(z, mu, sd)
    a = integrate.quad(lambda z: F(z) ** 2, lo - 1, y, epsabs=1e-13, epsrel=1e-12, limit=200)[0]
    b = integrate.quad(lambda z: (1 - F(z)) ** 2, y, hi + 1, epsabs=1e-13, epsrel=1e-12, limit=200)[0]
    return a + b


def gauss_twcrps(mu, sd, y, t):
    F = lambda z: stats.norm.cdf(z, mu, sd)
    hi = max(mu + 12 * sd, y, t) + 1
    pts = sorted({t, max(y, t)})
    total = 0.0
    if y > t:
        total += integrate.quad(lambda z: F(z) ** 2, t, y, epsabs=1e-13, epsrel=1e-12, limit=200)[0]
    total += integrate.quad(lambda z: (1 - F(z)) ** 2, pts[-1], hi, epsabs=1e-13, epsrel=1e-12, limit=200)[0]
    return total


def truncnorm_crps(mu, sd, y):
    a = (0 - mu) / sd
    dist = stats.truncnorm(a, np.inf, loc=mu, scale=sd)
    hi = max(mu + 12 * sd, y) + 1
    part1 = integrate.quad(lambda z: dist.cdf(z) ** 2, 0, y, epsabs=1e-13, epsrel=1e-12, limit=200)[0] if y > 0 else 0.0
    part0 = -y if y < 0 else 0.0
    part2 = integrate.quad(lambda z: (1 - dist.cdf(z)) ** 2, max(y, 0), hi, epsabs=1e-13, epsrel=1e-12, limit=200)[0]
    return part0 + part1 + part2


def gaussian_case(n, thresholds, weights):
    lat = f32(rng.uniform(-80, 80, n))
    mu = f32(rng.normal(280, 3, n))
    sd = f32(rng.uniform(0.2, 3, n))
    y = f32(mu + rng.normal(0.5, 2.0, n))
    y[rng.random(n) < 0.1] = np.nan
    w_all = np.cos(np.deg2rad(lat)) if weights == "coslat" else np.ones(n)
    ok = np.isfinite(y)
    w = w_all[ok]
    c = np.array([gauss_crps(a, b, c) for a, b, c in zip(mu[ok], sd[ok], y[ok])])
    wm = lambda v: float(np.sum(w * v) / np.sum(w))
    rmse = np.sqrt(wm((mu[ok] - y[ok]) ** 2))
    spread = np.sqrt(wm(sd[ok] ** 2))
    pit = stats.norm.cdf(y[ok], mu[ok], sd[ok])
    res = dict(
        crps=wm(c),
        crps_fair=wm(c),
        crps_gaussian=wm(c),
        rmse=float(rmse),
        bias=wm(mu[ok] - y[ok]),
        spread=float(spread),
        ssr=float(spread / rmse),
        pit_histogram=np.histogram(pit, bins=10, range=(0, 1))[0].tolist(),
        brier={
            key(t): wm((stats.norm.sf(t, mu[ok], sd[ok]) - (y[ok] > t)) ** 2) for t in thresholds
        },
        twcrps={
            key(t): wm(np.array([gauss_twcrps(a, b, c, t) for a, b, c in zip(mu[ok], sd[ok], y[ok])]))
            for t in thresholds
        },
        n=int(ok.sum()),
        n_missing=int((~ok).sum()),
    )
    return dict(mean=tolist(mu), std=tolist(sd), truth=tolist(y), lat=tolist(lat), thresholds=thresholds,
                weights=weights, expected=res)


def main():
    cases = []
    for m, ties, nan_frac, weights in [
        (2, False, 0.1, "none"),
        (3, True, 0.05, "coslat"),
        (5, True, 0.1, "none"),
        (10, False, 0.0, "coslat"),
        (12, True, 0.2, "none"),
        (20, False, 0.1, "coslat"),
        (51, True, 0.1, "none"),
        (51, False, 0.05, "coslat"),
    ]:
        n = 150
        thresholds = [279.0, 281.5]
        x, truth, lat = ensemble_case(m, n, ties, nan_frac, thresholds)
        exp = ensemble_scores(x, truth, lat, thresholds, weights)
        cases.append(dict(m=m, n=n, ties=ties, weights=weights, thresholds=thresholds,
                          data=tolist(x), truth=tolist(truth), lat=tolist(lat), expected=exp))
    gauss = [gaussian_case(80, [279.0, 283.0], w) for w in ("none", "coslat")]
    with open(os.path.join(OUT, "scores.json"), "w") as f:
        json.dump(dict(generator="scripts/reference/scoring_reference.py", ensemble=cases, gaussian=gauss), f)

    # Point-wise functions.
    pw = []
    for mu, sd, y, t in [(0, 1, 0.3, 0.5), (2, 0.5, 1.0, -1), (1.5, 2, 4.2, 3.0), (-1, 1, 0.5, 0.0),
                         (0.5, 0.3, 0.0, 1.0), (8, 3, 2, 10), (0.2, 1.5, 3.1, 2.5), (3, 1, 3.5, 2)]:
        pw.append(dict(mu=mu, sigma=sd, y=y, t=t, crps_gaussian=gauss_crps(mu, sd, y),
                       twcrps_gaussian=gauss_twcrps(mu, sd, y, t), crps_truncnorm=truncnorm_crps(mu, sd, max(y, 0.0)),
                       crps_truncnorm_neg=truncnorm_crps(mu, sd, -0.7)))
    zs = [-9.0, -6.5, -3.0, -1.2, -0.1, 0.0, 0.4, 1.7, 4.0, 8.1]
    ps = [1e-10, 1e-5, 0.001, 0.02425, 0.1, 0.37, 0.5, 0.8, 0.975, 0.999999]
    tn = [(p, mu, sd) for p in (0.05, 0.5, 0.95) for mu, sd in ((1.0, 2.0), (-1.0, 0.7), (5.0, 1.0))]
    qs = rng.normal(size=(7, 5))
    levels = [0.0, 0.1, 0.25, 0.5, 0.9, 1.0]
    with open(os.path.join(OUT, "pointwise.json"), "w") as f:
        json.dump(dict(
            generator="scripts/reference/scoring_reference.py",
            gaussian=pw,
            cdf=[dict(z=z, cdf=float(stats.norm.cdf(z)), pdf=float(stats.norm.pdf(z))) for z in zs],
            ppf=[dict(p=p, ppf=float(stats.norm.ppf(p))) for p in ps],
            truncnorm=[dict(p=p, mu=mu, sigma=sd, ppf=float(stats.truncnorm.ppf(p, -mu / sd, np.inf, mu, sd)),
                            cdf_at_1=float(stats.truncnorm.cdf(1.0, -mu / sd, np.inf, mu, sd))) for p, mu, sd in tn],
            quantiles=dict(data=f32(qs).tolist(), levels=levels,
                           expected=np.quantile(f32(qs), levels, axis=0).tolist()),
        ), f)


if __name__ == "__main__":
    main()
