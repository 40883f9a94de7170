#!/usr/bin/python3
"""Reference maps of the CAM family from real autograd gradients, for tests/InfoCamWeb.Core.Tests/Cams/CamFamilyReferenceTests.cs.

For ResNet-18 and MobileNetV2 (torchvision, seeded random weights, exported here to ONNX with a dynamic batch) and the
demo CNN (datasets/demo-model), it preprocesses a few demo test images, runs the PyTorch model with hooks on the last
feature map A, back-propagates the target class score to get dz/dA, and computes each method the way
pytorch-grad-cam's classes do from activations and gradients (no closed form of the GAP + linear head is used):

    gradcam      weights = mean_ij grad                                  (GradCAM.get_cam_weights)
    hirescam     sum_k grad * A                                           (HiResCAM.get_cam_image)
    xgradcam     weights = sum_ij grad * A / (sum_ij A + 1e-7)            (XGradCAM.get_cam_weights)
    gradcam++    aij = g^2 / (2 g^2 + sum_ij A g^3 + 1e-6), 0 where g = 0;
                 weights = sum_ij max(g, 0) aij                           (GradCAMPlusPlus.get_cam_weights)
    layercam     sum_k max(grad, 0) * A                                   (LayerCAM.get_cam_image)
    eigencam     first principal component of the centred activations    (get_2d_projection), sign: see docs/methods.md
    ablationcam  weights = (z - z with channel k of A set to 0) / z, the head re-run on the ablated A
                 (AblationCAM with its AblationLayer zeroing a channel)
    scorecam     each channel upsampled to the input (UpsamplingBilinear2d), normalised (u - min) / (max - min + 1e-8),
                 multiplied into the input, run through the whole model; weights = softmax over channels of the
                 target logits (ScoreCAM.get_cam_weights); the demo's images and the zoo models' first image only

and the map is max(sum_k weights_k A_k, 0) (BaseCAM.compute_cam_per_layer). Everything after autograd is float64.

    /usr/bin/python3 tools/reference_family.py artifacts/zoo/family

Writes {name}.onnx (zoo models), {name}-inputs.bin (float32 N x 3 x 224 x 224) and {name}-family.json."""
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
import torchvision.models as tvm
import torchvision.transforms as T

sys.path.insert(0, os.path.dirname(__file__))
from demo_common import DemoNet, read_cub, load_rgb, IMAGENET_MEAN, IMAGENET_STD  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
METHODS = ["gradcam", "hirescam", "xgradcam", "gradcam++", "layercam", "eigencam", "ablationcam"]
IMAGES = 4


def relu(m):
    return np.maximum(m, 0)


def weighted(weights, A):
    return relu((weights[:, None, None] * A).sum(0))


def eigen(A):
    X = A.reshape(A.shape[0], -1).T
    X = X - X.mean(axis=0)
    _, _, VT = np.linalg.svd(X, full_matrices=True)
    projection = X @ VT[0, :]
    dot = float(projection @ A.sum(0).reshape(-1))
    if dot < 0 or (dot == 0 and projection[np.argmax(np.abs(projection))] < 0):
        projection = -projection
    return relu(projection.reshape(A.shape[1:]))


def ablation(A, head, y, score):
    K = A.shape[0]
    A_t = torch.from_numpy(A)
    full = head(A_t[None])[0, y].item()
    ablated = np.empty(K)
    for start in range(0, K, 64):
        idx = range(start, min(K, start + 64))
        batch = A_t[None].repeat(len(idx), 1, 1, 1)
        for row, k in enumerate(idx):
            batch[row, k] = 0
        ablated[start:start + len(idx)] = head(batch)[:, y].numpy()
    return weighted((full - ablated) / score, A)


def score_cam(model, x, A, y, batch=32, cap=None):
    """pytorch-grad-cam's ScoreCAM weights, in float32 as it computes them; the map in float64. With a cap, only the
    `cap` channels of largest spatial mean (ties to the lower index) run, and the softmax is over them (the engine's cap)."""
    K = A.shape[1]
    keep = list(range(K))
    if cap is not None and cap < K:
        means = A[0].double().numpy().reshape(K, -1).mean(axis=1)
        keep = sorted(sorted(range(K), key=lambda k: (-means[k], k))[:cap])
    full = A
    A = A[:, keep]
    with torch.no_grad():
        up = torch.nn.UpsamplingBilinear2d(size=x.shape[-2:])(A)
        flat = up.view(up.size(0), up.size(1), -1)
        maxs, mins = flat.max(dim=-1)[0][:, :, None, None], flat.min(dim=-1)[0][:, :, None, None]
        up = (up - mins) / (maxs - mins + 1e-8)
        inputs = x[:, None, :, :] * up[:, :, None, :, :]
        scores = []
        for i in range(0, inputs.size(1), batch):
            scores.extend(model(inputs[0, i:i + batch])[:, y].tolist())
        weights = torch.nn.Softmax(dim=-1)(torch.tensor(scores)).numpy()
    all_weights = np.zeros(K)
    all_weights[keep] = weights.astype(np.float64)
    return weighted(all_weights, full[0].double().numpy())


def family(A, G, head, y, score):
    s = A.sum(axis=(1, 2))
    g2 = G ** 2
    g3 = g2 * G
    aij = np.where(G != 0, g2 / (2 * g2 + s[:, None, None] * g3 + 1e-6), 0)
    return {
        "gradcam": weighted(G.mean(axis=(1, 2)), A),
        "hirescam": relu((G * A).sum(0)),
        "xgradcam": weighted((G * A / (s[:, None, None] + 1e-7)).sum(axis=(1, 2)), A),
        "gradcam++": weighted((np.maximum(G, 0) * aij).sum(axis=(1, 2)), A),
        "layercam": relu((np.maximum(G, 0) * A).sum(0)),
        "eigencam": eigen(A),
        "ablationcam": ablation(A, head, y, score),
    }


class Hooked:
    """The model split at A: features(x) -> A, head(A) -> logits; head in float64 for the ablations."""

    def __init__(self, model, features, head):
        self.model, self.features, self.head = model, features, head


def hooked(name):
    torch.manual_seed(0)
    if name == "resnet18":
        m = tvm.resnet18(num_classes=200).eval()
        body = torch.nn.Sequential(m.conv1, m.bn1, m.relu, m.maxpool, m.layer1, m.layer2, m.layer3, m.layer4)
        return Hooked(m, body, lambda a: m.fc(torch.flatten(m.avgpool(a), 1)))
    if name == "mobilenet_v2":
        m = tvm.mobilenet_v2(num_classes=200).eval()
        return Hooked(m, m.features, lambda a: m.classifier(torch.flatten(F.adaptive_avg_pool2d(a, 1), 1)))
    state = torch.load(os.path.join(REPO, "datasets", "demo-model", "demo-cnn.pt"), map_location="cpu")
    m = DemoNet(state["fc.weight"].shape[0])
    m.load_state_dict(state)
    m.eval()
    return Hooked(m, m.features, lambda a: m.fc(torch.flatten(m.pool(a), 1)))


def inputs():
    items = [i for i in read_cub(os.path.join(REPO, "datasets", "demo-cub")) if not i["train"]][:IMAGES]
    pre = T.Compose([T.Resize((224, 224)), T.ToTensor(), T.Normalize(IMAGENET_MEAN, IMAGENET_STD)])
    return torch.stack([pre(load_rgb(i["path"])) for i in items]), [i["label"] for i in items]


def export(h, path):
    if os.path.exists(path):
        return
    torch.onnx.export(h.model, torch.randn(1, 3, 224, 224), path + ".tmp", input_names=["input"], output_names=["logits"],
                      opset_version=13, do_constant_folding=True,
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    os.replace(path + ".tmp", path)


def reference(name, out):
    h = hooked(name)
    onnx = os.path.join(out, name + ".onnx") if name != "demo-cnn" else os.path.join(REPO, "datasets", "demo-model", "demo-cnn.onnx")
    if name != "demo-cnn":
        export(h, onnx)
    x, labels = inputs()
    x.numpy().astype("<f4").tofile(os.path.join(out, name + "-inputs.bin"))
    head64 = lambda a: h.head(a)  # noqa: E731
    items = []
    for n in range(x.shape[0]):
        A = h.features(x[n:n + 1])
        A.retain_grad()
        z = h.head(A)
        y = labels[n] if name == "demo-cnn" else (57 * n + 11) % z.shape[1]
        z[0, y].backward()
        A64 = A.detach()[0].double().numpy()
        G64 = A.grad[0].double().numpy()
        with torch.no_grad():
            h.model.double()
            maps = family(A64, G64, head64, y, float(z[0, y].item()))
            h.model.float()
        if name == "demo-cnn" or n == 0:
            maps["scorecam"] = score_cam(h.model, x[n:n + 1], A.detach(), y)
        items.append({"target": y, "logit": float(z[0, y].item()), "height": A64.shape[1], "width": A64.shape[2],
                      "maps": {m: [float(v) for v in maps[m].reshape(-1)] for m in maps}})
    with open(os.path.join(out, name + "-family.json"), "w") as f:
        json.dump({"onnx": os.path.relpath(onnx, out), "inputs": name + "-inputs.bin", "count": len(items), "size": 224,
                   "items": items}, f)
    print("wrote", os.path.join(out, name + "-family.json"), flush=True)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "artifacts/zoo/family"
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(2)
    for name in ("demo-cnn", "resnet18", "mobilenet_v2"):
        reference(name, out)


if __name__ == "__main__":
    main()
