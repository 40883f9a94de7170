#!/usr/bin/python3
"""Writes tests/InfoCamWeb.Core.Tests/Localization/pxap-goldens.json: wsolevaluation's MaskEvaluator (np.histogram over
the edges np.append(np.arange(0, 1, step), [1, 2, 3]), then compute()) on synthetic normalised maps and masks given by
integer formulas that C# reproduces bit for bit (PixelPrecisionTests), and the best pixel IoU over the same sweep.
Run with /usr/bin/python3 tools/make_pxap_goldens.py"""
import json, os
import numpy as np

S = 32


def scoremap(img):
    y, x = np.mgrid[0:S, 0:S]
    v = ((x * 7919 + y * 104729 + img * 31 + (x * y) % 13 * 977) % 10007) / 10006.0
    v[0, 0], v[0, 1] = 0.0, 1.0          # the normalised map reaches 0 and 1
    v[1, 0] = 35 * 0.01                  # exactly on an edge of the 0.01 sweep
    v[1, 1] = 0.35                       # just below it (35 / 100 < 35 * 0.01)
    return v


def truth(img):
    y, x = np.mgrid[0:S, 0:S]
    t = np.where((x - 10 - img) ** 2 + (y - 14) ** 2 < 60 + 9 * img, 1, 0).astype(np.uint8)
    t[(x > 24) & (y < 8)] = 255          # ignored
    return t


def evaluate(step, images):
    edges = np.append(np.arange(0, 1, step), [1.0, 2.0, 3.0])
    th = np.zeros(len(edges) - 1)
    fh = np.zeros(len(edges) - 1)
    for img in range(images):
        m, t = scoremap(img), truth(img)
        th += np.histogram(m[t == 1], bins=edges)[0]
        fh += np.histogram(m[t == 0], bins=edges)[0]
    num_gt_true = th.sum()
    tp = th[::-1].cumsum()
    fn = num_gt_true - tp
    fp = fh[::-1].cumsum()
    non_zero = (tp + fp) != 0
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = tp / (tp + fp)
    recall = tp / (tp + fn)
    auc = (precision[1:] * np.diff(recall))[non_zero[1:]].sum() * 100
    iou = (tp / (tp + fn + fp))[::-1]
    best = int(np.argmax(iou))
    return {"step": step, "images": images, "objectHistogram": [int(v) for v in th], "backgroundHistogram": [int(v) for v in fh],
            "pxap": float(auc), "bestPixelIoU": float(100 * iou[best]), "bestPixelIoUThreshold": float(edges[best])}


out = {"numpy": np.__version__, "size": S, "cases": [evaluate(0.01, 5), evaluate(0.001, 5), evaluate(0.05, 1)]}
path = os.path.join(os.path.dirname(__file__), "..", "tests", "InfoCamWeb.Core.Tests", "Localization", "pxap-goldens.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print("wrote", path, [(c["step"], round(c["pxap"], 6)) for c in out["cases"]])
