#!/usr/bin/env python3
"""Reference for InfoCamWeb's paired comparison of two runs (docs/methods.md, "Comparing two runs"), with numpy and scipy.

Writes synthetic paired outcomes and, for each ranking metric, what numpy/scipy compute from them: both metrics, the
paired bootstrap's 95 % percentile interval of the difference and its two-sided p-value (the same resampled images as
the engine draws: SplitMix64 and Lemire's bounded draw), and McNemar's exact test (scipy.stats.binomtest).

    /usr/bin/python3 tools/reference_significance.py tests/InfoCamWeb.Core.Tests/Evaluation/significance-reference.json
"""
import json
import sys

import numpy as np
from scipy.stats import binomtest

MASK64 = (1 << 64) - 1
LARGEST50 = 1
ANY = [2, 4, 8]  # IoU 30, 50, 70 "any box" bits
RESAMPLES = 2000
SEED = 20261201


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK64

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def below(self, n):
        product = self.next() * n
        low = product & MASK64
        if low < n:
            threshold = ((1 << 64) - n) % n
            while low < threshold:
                product = self.next() * n
                low = product & MASK64
        return product >> 64


def statistic(run, metric, counts):
    n = len(counts)
    correct = run["pred"] == run["true"]
    fixed = run["iou"] >= 0.5
    if metric in ("Top1Cls", "GtKnownLoc", "Top1Loc"):
        hit = {"Top1Cls": correct, "GtKnownLoc": fixed, "Top1Loc": correct & fixed}[metric]
        return 100.0 * int(np.sum(counts[hit])) / n
    hits = run["hits"]  # images x thresholds, uint8 flags

    def best(bit):
        per_t = ((hits & bit) != 0).astype(np.int64).T @ counts.astype(np.int64)
        return 100.0 * int(per_t.max()) / n

    if metric == "MaxBoxAcc":
        return best(LARGEST50)
    total = 0.0
    for bit in ANY:
        total += best(bit)
    return total / len(ANY)


def hits_of(run, metric):
    correct = run["pred"] == run["true"]
    fixed = run["iou"] >= 0.5
    if metric == "MaxBoxAcc":
        per_t = ((run["hits"] & LARGEST50) != 0).sum(axis=0)
        return (run["hits"][:, int(np.argmax(per_t))] & LARGEST50) != 0
    return {"Top1Cls": correct, "GtKnownLoc": fixed, "Top1Loc": correct & fixed}[metric]


def compare(a, b, metric):
    n = len(a["true"])
    ones = np.ones(n, dtype=np.int64)
    point_a, point_b = statistic(a, metric, ones), statistic(b, metric, ones)
    rng = SplitMix64(SEED)
    diffs = np.empty(RESAMPLES)
    for r in range(RESAMPLES):
        draws = [rng.below(n) for _ in range(n)]
        counts = np.bincount(draws, minlength=n)
        diffs[r] = statistic(a, metric, counts) - statistic(b, metric, counts)
    below, above = int(np.sum(diffs <= 0)), int(np.sum(diffs >= 0))
    p = min(1.0, 2.0 * (1 + min(below, above)) / (RESAMPLES + 1))
    out = {
        "metric": metric, "a": point_a, "b": point_b, "difference": point_a - point_b,
        "low": float(np.quantile(diffs, 0.025)), "high": float(np.quantile(diffs, 0.975)), "bootstrapP": p,
    }
    if metric != "MaxBoxAccV2":
        ha, hb = hits_of(a, metric), hits_of(b, metric)
        only_a, only_b = int(np.sum(ha & ~hb)), int(np.sum(hb & ~ha))
        out["onlyA"], out["onlyB"] = only_a, only_b
        out["mcnemarP"] = 1.0 if only_a + only_b == 0 else float(binomtest(min(only_a, only_b), only_a + only_b, 0.5).pvalue)
    return out


def synthetic(rs, n, thresholds, skill_a, skill_b, overlap):
    """Two runs on the same n images: B copies A's outcome on a share `overlap` of the images, else draws its own."""
    true = rs.randint(0, 10, n)

    def run(skill):
        pred = np.where(rs.rand(n) < skill, true, (true + 1 + rs.randint(0, 9, n)) % 10)
        iou = np.clip(rs.normal(0.35 + 0.4 * skill, 0.2, n), 0, 1)
        level = rs.rand(n, 1) * 0.6 + 0.2
        t = np.linspace(0, 1, thresholds, endpoint=False)[None, :]
        quality = np.clip(1 - np.abs(t - level) * 3, 0, 1) * (0.4 + skill)
        flags = (rs.rand(n, thresholds) < quality).astype(np.uint8) * LARGEST50
        for i, bit in enumerate(ANY):
            flags |= (rs.rand(n, thresholds) < quality * (1.2 - 0.3 * i)).astype(np.uint8) * bit
        return {"true": true, "pred": pred, "iou": iou, "hits": flags}

    a, b = run(skill_a), run(skill_b)
    same = rs.rand(n) < overlap
    for key in ("pred", "iou", "hits"):
        b[key][same] = a[key][same]
    return a, b


def encode(run):
    return {"true": run["true"].tolist(), "pred": run["pred"].tolist(), "iou": run["iou"].tolist(), "hits": run["hits"].tolist()}


def main(path):
    rs = np.random.RandomState(7)
    cases = []
    for name, n, thresholds, skill_a, skill_b, overlap in [
        ("small, clearly different", 60, 20, 0.85, 0.35, 0.2),
        ("close runs, mostly the same outcomes", 400, 30, 0.60, 0.57, 0.8),
        ("larger, independent, similar skill", 1000, 40, 0.55, 0.50, 0.0),
    ]:
        a, b = synthetic(rs, n, thresholds, skill_a, skill_b, overlap)
        results = [compare(a, b, m) for m in ("Top1Cls", "Top1Loc", "GtKnownLoc", "MaxBoxAcc", "MaxBoxAccV2")]
        cases.append({"name": name, "a": encode(a), "b": encode(b), "results": results})
    with open(path, "w") as f:
        json.dump({"resamples": RESAMPLES, "seed": SEED, "cases": cases}, f)


if __name__ == "__main__":
    main(sys.argv[1])
