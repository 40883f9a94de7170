#!/usr/bin/python3
"""An independent PyTorch + OpenCV implementation of docs/wsol-protocol.md, written the way wsolevaluation and the
official infoCAM code do it (cv2.resize INTER_CUBIC, cv2.threshold, cv2.findContours per threshold). It serves two
purposes: a numeric cross-check of the C# engine, and the speed baseline that `infocam evaluate` is compared with.

    /usr/bin/python3 tools/reference_eval.py --dataset datasets/demo-cub --checkpoint datasets/demo-model/demo-cnn.pt \
        --output /tmp/ref.json --per-image /tmp/ref.csv
    /usr/bin/python3 tools/compare_results.py /tmp/ref.json /tmp/ref.csv result.json images.csv

Needs Debian's python3-torch, python3-torchvision, python3-opencv."""
import argparse
import json
import math
import os
import sys
import time

import cv2
import numpy as np
import torch
import torch.nn.functional as F
import torchvision.transforms as T

sys.path.insert(0, os.path.dirname(__file__))
from demo_common import DemoNet, read_cub, load_rgb, IMAGENET_MEAN, IMAGENET_STD  # noqa: E402
from reference_family import family, hooked, score_cam, METHODS as FAMILY  # noqa: E402

METHODS = ["cam", "infocam", "infocam+"]
S = 224


def read_wsol(root):
    """wsolevaluation metadata (train/, val/, test/ with image_ids.txt, class_labels.txt, localization.txt), boxes or
    OpenImages masks; the same dicts as read_cub plus 'split', and for masks 'masks' / 'ignore' (full paths)."""
    images_root = os.path.join(root, "images") if os.path.isdir(os.path.join(root, "images")) else root
    items = []
    for split in ("train", "val", "test"):
        folder = os.path.join(root, split)
        if not os.path.exists(os.path.join(folder, "image_ids.txt")):
            continue
        ids = [l for l in open(os.path.join(folder, "image_ids.txt")).read().splitlines() if l]
        labels = dict(l.rsplit(",", 1) for l in open(os.path.join(folder, "class_labels.txt")).read().splitlines() if l)
        boxes, masks, ignore = {}, {}, {}
        for line in open(os.path.join(folder, "localization.txt")).read().splitlines():
            if not line:
                continue
            parts = line.split(",")
            if len(parts) == 3:  # wsolevaluation's get_mask_paths
                masks.setdefault(parts[0], []).append(os.path.join(images_root, parts[1]))
                if parts[2]:
                    ignore[parts[0]] = os.path.join(images_root, parts[2])
            else:
                boxes.setdefault(parts[0], []).append(tuple(float(v) for v in parts[1:]))
        for i in ids:
            items.append(dict(id=i, path=os.path.join(images_root, i), label=int(labels[i]), train=split == "train",
                              split=split, boxes=boxes.get(i, []), masks=masks.get(i), ignore=ignore.get(i)))
    return items


def load_mask_image(path):
    """wsolevaluation's load_mask_image: greyscale, float32, nearest to 224 x 224."""
    return cv2.resize(np.float32(cv2.imread(path, cv2.IMREAD_GRAYSCALE)), (S, S), interpolation=cv2.INTER_NEAREST)


def get_mask(item):
    """wsolevaluation's get_mask: 1 object, 0 background, 255 ignored; and the instance masks' tight boxes (this
    project's addition, so box scores exist for mask datasets)."""
    instances = [load_mask_image(m) > 0.5 for m in item["masks"]]
    boxes = []
    for inst in instances:
        ys, xs = np.nonzero(inst)
        if len(xs):
            boxes.append([int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())])
    union = np.stack(instances, axis=0).any(axis=0)
    ignore = np.zeros_like(union)
    if item["ignore"]:
        ignore = np.logical_and(load_mask_image(item["ignore"]) > 0.5, np.logical_not(union))
    return union.astype(np.uint8) + 255 * ignore.astype(np.uint8), boxes


def pxap(true_hist, false_hist):
    """wsolevaluation's MaskEvaluator.compute (area under the pixel precision-recall curve, %), and the best pixel IoU
    (this project's addition) with the lowest edge reaching it."""
    num_gt_true = true_hist.sum()
    tp = true_hist[::-1].cumsum()
    fn = num_gt_true - tp
    fp = false_hist[::-1].cumsum()
    non_zero = (tp + fp) != 0
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = tp / (tp + fp)
    recall = tp / (tp + fn)
    auc = (precision[1:] * np.diff(recall))[non_zero[1:]].sum() * 100
    iou = tp / (tp + fn + fp)
    return auc, iou


def family_maps(model, x, y, methods, cap):
    """The CAM family of one image (x: 1 x 3 x S x S) from autograd gradients, as tools/reference_family.py computes them."""
    A = model.features(x)
    A.retain_grad()
    z = model.fc(torch.flatten(model.pool(A), 1))
    z[0, y].backward()
    A64, G64 = A.detach()[0].double().numpy(), A.grad[0].double().numpy()
    with torch.no_grad():
        model.double()
        maps = family(A64, G64, lambda a: model.fc(torch.flatten(model.pool(a), 1)), y, float(z[0, y].item()))
        model.float()
    if "scorecam" in methods:
        maps["scorecam"] = score_cam(model, x, A.detach(), y, cap=cap)
    return maps


def normalize_scoremap(cam):
    if np.isnan(cam).any():
        return np.zeros_like(cam)
    if cam.min() == cam.max():
        return np.zeros_like(cam)
    cam = cam - cam.min()
    cam = cam / cam.max()
    return cam


def boxes_at(scoremap_image, threshold, multi):
    _, thr = cv2.threshold(scoremap_image, int(threshold * np.max(scoremap_image)), 255, cv2.THRESH_BINARY)
    contours = cv2.findContours(thr, cv2.RETR_TREE, cv2.CHAIN_APPROX_SIMPLE)[0]
    if len(contours) == 0:
        return [[0, 0, 0, 0]]
    if not multi:
        contours = [max(contours, key=cv2.contourArea)]
    out = []
    h, w = scoremap_image.shape[:2]
    for c in contours:
        x, y, bw, bh = cv2.boundingRect(c)
        out.append([x, y, min(x + bw, w - 1), min(y + bh, h - 1)])
    return out


def pointing_hit(up, gts, tolerance=15):
    """Pointing game (Zhang et al. 2016; TorchRay's tolerance): the first maximum within 15 px of a GT box."""
    if np.isnan(up).any() or up.min() == up.max():
        return False
    y, x = divmod(int(np.argmax(up)), up.shape[1])
    for g in gts:
        dx, dy = max(0, g[0] - x, x - g[2]), max(0, g[1] - y, y - g[3])
        if dx * dx + dy * dy <= tolerance * tolerance:
            return True
    return False


def energy_share(normalized, gts):
    """Energy-based pointing game (Score-CAM): the normalised map's sum inside the union of the GT boxes over its total."""
    inside = np.zeros(normalized.shape, dtype=bool)
    for g in gts:
        inside[max(g[1], 0):g[3] + 1, max(g[0], 0):g[2] + 1] = True
    total = normalized.sum()
    return float(normalized[inside].sum() / total) if total > 0 else 0.0


def iou(a, gts):
    best = 0.0
    for g in gts:
        x0, y0 = max(a[0], g[0]), max(a[1], g[1])
        x1, y1 = min(a[2], g[2]), min(a[3], g[3])
        inter = max(0, x1 - x0 + 1) * max(0, y1 - y0 + 1)
        area_a = (a[2] - a[0] + 1) * (a[3] - a[1] + 1)
        area_g = (g[2] - g[0] + 1) * (g[3] - g[1] + 1)
        best = max(best, inter / float(area_a + area_g - inter))
    return best


def method_map(method, W, A, y, z, s):
    # A: K x h x w (float64), W: C x K (float64)
    if method == "cam":
        return np.tensordot(W[y], A, axes=(0, 0)) / A.shape[0]
    if method == "infocam":
        others = (W.sum(0) - W[y]) / (W.shape[0] - 1)
        wt = W[y] - others
    else:
        wt = W[y] - W[int(np.argmin(z))]
    P = np.tensordot(wt, A, axes=(0, 0))
    if s == 1:
        return P
    t = torch.from_numpy(P)[None, None]
    return F.conv2d(t, torch.ones(1, 1, s, s, dtype=t.dtype), padding=s - 1)[0, 0].numpy()


class Split(torch.nn.Module):
    """A reference_family.Hooked model with DemoNet's interface: forward(x, return_features=True) gives (logits, A)."""

    def __init__(self, hooked_model):
        super().__init__()
        self.h = hooked_model

    def forward(self, x, return_features=False):
        a = self.h.features(x)
        z = self.h.head(a)
        return (z, a) if return_features else z


def load_model(args):
    """The model and its classifier weights (classes x channels, float64)."""
    if args.arch != "demo":
        h = hooked(args.arch)
        fc = h.model.fc if args.arch == "resnet18" else h.model.classifier[1]
        return Split(h).eval(), fc.weight.detach().double().numpy()
    if not args.checkpoint:
        sys.exit("reference_eval.py: --checkpoint is needed for the demo architecture")
    state = torch.load(args.checkpoint, map_location="cpu")
    model = DemoNet(state["fc.weight"].shape[0])
    model.load_state_dict(state)
    model.eval()
    return model, model.fc.weight.detach().double().numpy()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--checkpoint", help="a DemoNet state dict (datasets/demo-model/*.pt); not with --arch")
    ap.add_argument("--arch", choices=["demo", "resnet18", "mobilenet_v2"], default="demo",
                    help="resnet18 / mobilenet_v2: tools/reference_family.py's seeded 200-class torchvision models, whose ONNX "
                         "export is artifacts/zoo/family/NAME.onnx (the same weights)")
    ap.add_argument("--split", default="test")
    ap.add_argument("--cam-threshold", type=float, default=0.2)
    ap.add_argument("--threshold-step", type=float, default=0.01)
    ap.add_argument("--window", type=int, default=4)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--output")
    ap.add_argument("--per-image")
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--scorecam-channels", type=int)
    ap.add_argument("--layout", choices=["cub", "wsol"], default="cub")
    ap.add_argument("--iou-thresholds", default="30,50,70", help="MaxBoxAccV2's IoU list in percent (wsolevaluation's iou_threshold_list)")
    args = ap.parse_args()
    ious = sorted({int(v) for v in args.iou_thresholds.split(",")})
    methods = args.methods.split(",")
    start = time.time()
    torch.set_num_threads(2)

    items = read_cub(args.dataset) if args.layout == "cub" else read_wsol(args.dataset)
    train = [i for i in items if i["train"]]
    if args.layout == "wsol":
        sel = items if args.split == "all" else [i for i in items if i["split"] == args.split]
    else:
        sel = [i for i in items if (not i["train"]) == (args.split == "test")] if args.split != "all" else items
    has_masks = bool(sel and sel[0].get("masks"))
    if args.arch != "demo" and any(m not in METHODS for m in methods):
        sys.exit("reference_eval.py: --arch computes cam, infocam and infocam+ only")
    model, W = load_model(args)
    classes = W.shape[0]
    priors = np.bincount([i["label"] for i in train], minlength=classes) / max(len(train), 1)
    pre = T.Compose([T.Resize((224, 224)), T.ToTensor(), T.Normalize(IMAGENET_MEAN, IMAGENET_STD)])
    thresholds = list(np.arange(0, 1, args.threshold_step))
    edges = np.append(thresholds, [1.0, 2.0, 3.0])
    true_hist = {m: np.zeros(len(edges) - 1) for m in methods}
    false_hist = {m: np.zeros(len(edges) - 1) for m in methods}
    n = 0
    top1 = top5 = 0
    ce_sum = pc_sum = 0.0
    largest50 = {m: np.zeros(len(thresholds)) for m in methods}
    multi = {m: {d: np.zeros(len(thresholds)) for d in ious} for m in methods}
    gt_known = {m: 0 for m in methods}
    class_count = {}
    class_known = {m: {} for m in methods}
    top1loc = {m: 0 for m in methods}
    top5loc = {m: 0 for m in methods}
    pointing = {m: 0 for m in methods}
    energy = {m: 0.0 for m in methods}
    class_pointing = {m: {} for m in methods}
    class_energy = {m: {} for m in methods}
    rows = []
    for b in range(0, len(sel), args.batch_size):
        batch = sel[b:b + args.batch_size]
        imgs = [load_rgb(i["path"]) for i in batch]
        x = torch.stack([pre(im) for im in imgs])
        with torch.no_grad():
            z, A = model(x, return_features=True)
        z = z.double().numpy()
        A = A.double().numpy()
        for k, item in enumerate(batch):
            n += 1
            w0, h0 = imgs[k].size
            gts = [[int(g[0] * S / w0), int(g[1] * S / h0), int(g[2] * S / w0), int(g[3] * S / h0)] for g in item["boxes"]]
            if has_masks:
                gt_mask, gts = get_mask(item)
            y = item["label"]
            zk = z[k]
            pred = int(np.argmax(zk))
            top1 += pred == y
            top5 += int((zk > zk[y]).sum()) < 5
            lse = zk.max() + math.log(np.exp(zk - zk.max()).sum())
            ce_sum += lse - zk[y]
            lp = zk + np.log(np.where(priors > 0, priors, 1)) + np.where(priors > 0, 0, -np.inf)
            pc_sum += zk[y] - (lp.max() + math.log(np.exp(lp - lp.max()).sum()))
            offset = 1 if args.layout == "cub" else 0
            row = [item["id"], str(y + offset), str(pred + offset)]
            class_count[y] = class_count.get(y, 0) + 1
            fam = family_maps(model, x[k:k + 1], y, methods, args.scorecam_channels) if any(m in FAMILY + ["scorecam"] for m in methods) else {}
            for m in methods:
                cam = fam[m] if m in fam else method_map(m, W, A[k], y, zk, args.window)
                cam = cv2.resize(cam, (S, S), interpolation=cv2.INTER_CUBIC)
                hit = pointing_hit(cam, gts)
                cam = normalize_scoremap(cam)
                if has_masks:  # wsolevaluation's MaskEvaluator.accumulate
                    true_hist[m] += np.histogram(cam[gt_mask == 1], bins=edges)[0]
                    false_hist[m] += np.histogram(cam[gt_mask == 0], bins=edges)[0]
                share = energy_share(cam, gts)
                pointing[m] += hit
                class_pointing[m][y] = class_pointing[m].get(y, 0) + hit
                energy[m] += share
                class_energy[m][y] = class_energy[m].get(y, 0.0) + share
                q = np.expand_dims((cam * 255).astype(np.uint8), 2)
                for ti, t in enumerate(thresholds):
                    lb = boxes_at(q, t, False)[0]
                    if iou(lb, gts) >= 0.5:
                        largest50[m][ti] += 1
                    best = max(iou(bx, gts) for bx in boxes_at(q, t, True))
                    for d in ious:
                        if best >= d / 100:
                            multi[m][d][ti] += 1
                fb = boxes_at(q, args.cam_threshold, False)[0]
                fi = iou(fb, gts)
                if fi >= 0.5:
                    gt_known[m] += 1
                    class_known[m][y] = class_known[m].get(y, 0) + 1
                    top1loc[m] += pred == y
                    top5loc[m] += int((zk > zk[y]).sum()) < 5
                row += [str(v) for v in fb] + [repr(fi)]
            rows.append(row)
    result = {
        "classification": {"top1": 100.0 * top1 / n, "top5": 100.0 * top5 / n,
                           "miEstimateNats": math.log(classes) - ce_sum / n, "pcMiEstimateNats": pc_sum / n},
        "methods": {},
        "images": n,
        "seconds": {"total": time.time() - start},
    }
    label = (lambda c: str(c + 1)) if args.layout == "cub" else str
    for m in methods:
        curve = 100.0 * largest50[m] / n
        best = int(np.argmax(curve))
        v2 = {str(d): float(100.0 * multi[m][d].max() / n) for d in ious}
        result["methods"][m] = {"gtKnownLoc": 100.0 * gt_known[m] / n, "top1Loc": 100.0 * top1loc[m] / n, "top5Loc": 100.0 * top5loc[m] / n,
                                "maxBoxAcc": float(curve[best]), "maxBoxAccThreshold": float(thresholds[best]),
                                "maxBoxAccV2": sum(v2.values()) / len(v2), "maxBoxAccV2ByIou": v2,
                                "boxAccCurve": [float(v) for v in curve],
                                "perClassGtKnownLoc": {label(c): 100.0 * class_known[m].get(c, 0) / class_count[c] for c in sorted(class_count)},
                                "pointingGame": 100.0 * pointing[m] / n, "energyPointingGame": 100.0 * energy[m] / n,
                                "perClassPointingGame": {label(c): 100.0 * class_pointing[m].get(c, 0) / class_count[c] for c in sorted(class_count)},
                                "perClassEnergyPointingGame": {label(c): 100.0 * class_energy[m].get(c, 0.0) / class_count[c] for c in sorted(class_count)}}
        if has_masks:
            auc, pixel_iou = pxap(true_hist[m], false_hist[m])
            best = int(np.argmax(pixel_iou[::-1]))  # the lowest edge reaching the best IoU
            result["methods"][m].update({"pxap": float(auc), "bestPixelIoU": float(100.0 * pixel_iou[::-1][best]),
                                         "bestPixelIoUThreshold": float(edges[best])})
    if args.output:
        with open(args.output, "w") as f:
            json.dump(result, f, indent=1)
    if args.per_image:
        header = ["image_id", "gt", "pred"] + [f"{m}_{c}" for m in methods for c in ("x0", "y0", "x1", "y1", "iou")]
        with open(args.per_image, "w") as f:
            f.write(",".join(header) + "\n")
            for r in rows:
                f.write(",".join(r) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "methods"}))
    for m in methods:
        r = result["methods"][m]
        print(f"{m:9s} top1loc {r['top1Loc']:.2f} gtknown {r['gtKnownLoc']:.2f} maxboxacc {r['maxBoxAcc']:.2f} v2 {r['maxBoxAccV2']:.2f}")


if __name__ == "__main__":
    main()
