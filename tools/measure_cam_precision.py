#!/usr/bin/python3
"""Measures what summing CAM maps in float32 (the official code's order: torch, (w[:, None, None] * A).mean(0)) instead
of float64 (the engine and tools/reference_eval.py) changes, on the same float32 features: quantised pixels, the largest
box at every threshold of the 0.01 sweep and at the fixed threshold 0.2, and the metrics. For docs/methods.md,
"Summing the maps: float64".

    /usr/bin/python3 tools/measure_cam_precision.py [artifacts/zoo/resnet18.pt]"""
import os
import sys

import cv2
import numpy as np
import torch
import torch.nn.functional as F
import torchvision.models as tvm
import torchvision.transforms as T

sys.path.insert(0, os.path.dirname(__file__))
from demo_common import DemoNet, read_cub, load_rgb, IMAGENET_MEAN, IMAGENET_STD  # noqa: E402
from reference_eval import normalize_scoremap, boxes_at, iou  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
S = 224
THRESHOLDS = list(np.arange(0, 1, 0.01))


def maps(W, A, y, z, window, dtype):
    """CAM, infoCAM, infoCAM+ of one image in the given precision (A: K x h x w float32 features)."""
    At = torch.from_numpy(A).to(dtype)
    Wt = torch.from_numpy(W).to(dtype)
    C, K = Wt.shape
    out = {"cam": (Wt[y][:, None, None] * At).mean(0)}
    others = (Wt.sum(0) - Wt[y]) / (C - 1)
    for name, w in (("infocam", Wt[y] - others), ("infocam+", Wt[y] - Wt[int(np.argmin(z))])):
        P = (w[:, None, None] * At).sum(0)
        out[name] = F.conv2d(P[None, None], torch.ones(1, 1, window, window, dtype=dtype), padding=window - 1)[0, 0]
    return {k: v.double().numpy() for k, v in out.items()}


def boxes(cam):
    up = cv2.resize(cam, (S, S), interpolation=cv2.INTER_CUBIC)
    q = np.expand_dims((normalize_scoremap(up) * 255).astype(np.uint8), 2)
    return q, [boxes_at(q, t, False)[0] for t in THRESHOLDS], boxes_at(q, 0.2, False)[0]


def measure(name, model, features, W):
    items = [i for i in read_cub(os.path.join(REPO, "datasets", "demo-cub")) if not i["train"]]
    pre = T.Compose([T.Resize((S, S)), T.ToTensor(), T.Normalize(IMAGENET_MEAN, IMAGENET_STD)])
    stats = {m: dict(maps=0, pixels=0, maps_with_pixels=0, sweep_boxes=0, maps_with_sweep_box=0, fixed_boxes=0, known64=0, known32=0)
             for m in ("cam", "infocam", "infocam+")}
    for item in items:
        img = load_rgb(item["path"])
        x = pre(img)[None]
        with torch.no_grad():
            A = features(x)[0].numpy()
            z = model(x)[0].numpy()
        w0, h0 = img.size
        gts = [[int(g[0] * S / w0), int(g[1] * S / h0), int(g[2] * S / w0), int(g[3] * S / h0)] for g in item["boxes"]]
        m64, m32 = maps(W, A, item["label"], z, 4, torch.float64), maps(W, A, item["label"], z, 4, torch.float32)
        for m, s in stats.items():
            q64, sweep64, fixed64 = boxes(m64[m])
            q32, sweep32, fixed32 = boxes(m32[m])
            differing = int((q64 != q32).sum())
            moved = sum(a != b for a, b in zip(sweep64, sweep32))
            s["maps"] += 1
            s["pixels"] += differing
            s["maps_with_pixels"] += differing > 0
            s["sweep_boxes"] += moved
            s["maps_with_sweep_box"] += moved > 0
            s["fixed_boxes"] += fixed64 != fixed32
            s["known64"] += iou(fixed64, gts) >= 0.5
            s["known32"] += iou(fixed32, gts) >= 0.5
    for m, s in stats.items():
        print(f"{name:10s} {m:9s} maps {s['maps']}, quantised pixels differing {s['pixels']} in {s['maps_with_pixels']} maps, "
              f"largest boxes differing over the sweep {s['sweep_boxes']} (in {s['maps_with_sweep_box']} maps), at t0 {s['fixed_boxes']}, "
              f"GT-known hits {s['known64']} (float64) vs {s['known32']} (float32)")


def main():
    state = torch.load(os.path.join(REPO, "datasets", "demo-model", "demo-cnn.pt"), map_location="cpu")
    demo = DemoNet(state["fc.weight"].shape[0])
    demo.load_state_dict(state)
    demo.eval()
    measure("demo-cnn", demo, demo.features, demo.fc.weight.detach().numpy())
    zoo = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "artifacts", "zoo", "resnet18.pt")
    r18 = tvm.resnet18(num_classes=200)
    r18.load_state_dict(torch.load(zoo, map_location="cpu"))
    r18.eval()
    body = torch.nn.Sequential(*list(r18.children())[:-2])
    measure("resnet18", r18, body, r18.fc.weight.detach().numpy())


if __name__ == "__main__":
    torch.set_num_threads(2)
    main()
