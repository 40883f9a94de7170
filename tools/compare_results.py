#!/usr/bin/python3
"""Compares two results (JSON + per-image CSV), e.g. the reference pipeline's and infocam's:
metric differences in points, and the share of images whose largest box at the fixed threshold is identical."""
import csv
import json
import sys

ref_json, ref_csv, our_json, our_csv = sys.argv[1:5]
ref, our = json.load(open(ref_json)), json.load(open(our_json))
worst = 0.0
for key in ("top1", "top5"):
    d = our["classification"][key] - ref["classification"][key]
    worst = max(worst, abs(d))
    print(f"classification {key:10s} ref {ref['classification'][key]:8.3f}  ours {our['classification'][key]:8.3f}  diff {d:+.3f}")
for key in ("miEstimateNats", "pcMiEstimateNats"):
    print(f"classification {key:16s} ref {ref['classification'][key]:.5f}  ours {our['classification'][key]:.5f}")
for m, r in ref["methods"].items():
    o = our["methods"][m]
    for key in ("top1Loc", "gtKnownLoc", "maxBoxAcc", "maxBoxAccV2"):
        d = o[key] - r[key]
        worst = max(worst, abs(d))
        print(f"{m:9s} {key:12s} ref {r[key]:8.3f}  ours {o[key]:8.3f}  diff {d:+.3f}")
rows_ref = {r["image_id"]: r for r in csv.DictReader(open(ref_csv))}
rows_our = {r["image_id"]: r for r in csv.DictReader(open(our_csv))}
for m in ref["methods"]:
    same = sum(1 for i, r in rows_ref.items() if all(r[f"{m}_{c}"] == rows_our[i][f"{m}_{c}"] for c in ("x0", "y0", "x1", "y1")))
    print(f"{m:9s} identical largest boxes: {same}/{len(rows_ref)} ({100.0 * same / len(rows_ref):.1f} %)")
print(f"largest metric difference: {worst:.3f} points")
