#!/usr/bin/python3
"""Trains the demo CNN on datasets/demo-cub (train split) and exports it to ONNX.

    infocam make-demo --output datasets/demo-cub        # the seeded dataset
    /usr/bin/python3 tools/train_demo.py                 # -> datasets/demo-model/demo-cnn.onnx (+ .pt, bench-200.onnx)

Deterministic on CPU (seeded, single thread). Uses Debian's python3-torch and python3-torchvision."""
import os
import random
import sys
import torch
import torch.nn as nn
import torchvision.transforms as T

sys.path.insert(0, os.path.dirname(__file__))
from demo_common import DemoNet, read_cub, load_rgb, IMAGENET_MEAN, IMAGENET_STD  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), "..")
DATA = os.path.join(ROOT, "datasets", "demo-cub")
OUT = os.path.join(ROOT, "datasets", "demo-model")


def main():
    torch.manual_seed(0)
    random.seed(0)
    torch.set_num_threads(2)
    items = read_cub(DATA)
    train = [i for i in items if i["train"]]
    test = [i for i in items if not i["train"]]
    classes = max(i["label"] for i in items) + 1
    aug = T.Compose([T.RandomResizedCrop(224, scale=(0.6, 1.0), ratio=(0.8, 1.25)), T.RandomHorizontalFlip(),
                     T.ToTensor(), T.Normalize(IMAGENET_MEAN, IMAGENET_STD)])
    plain = T.Compose([T.Resize((224, 224)), T.ToTensor(), T.Normalize(IMAGENET_MEAN, IMAGENET_STD)])
    train_images = [load_rgb(i["path"]) for i in train]
    test_x = torch.stack([plain(load_rgb(i["path"])) for i in test])
    test_y = torch.tensor([i["label"] for i in test])

    model = DemoNet(classes)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    epochs = 45
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=epochs * ((len(train) + 15) // 16))
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(epochs):
        model.train()
        order = list(range(len(train)))
        random.shuffle(order)
        total = 0.0
        for b in range(0, len(order), 16):
            idx = order[b:b + 16]
            x = torch.stack([aug(train_images[k]) for k in idx])
            y = torch.tensor([train[k]["label"] for k in idx])
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        if epoch % 5 == 4 or epoch == epochs - 1:
            model.eval()
            with torch.no_grad():
                acc = (model(test_x).argmax(1) == test_y).float().mean().item()
            print(f"epoch {epoch + 1}: train loss {total / len(train):.4f}, test top-1 {100 * acc:.1f} %", flush=True)

    model.eval()
    os.makedirs(OUT, exist_ok=True)
    torch.save(model.state_dict(), os.path.join(OUT, "demo-cnn.pt"))
    dummy = torch.randn(1, 3, 224, 224)
    torch.onnx.export(model, dummy, os.path.join(OUT, "demo-cnn.onnx"), input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, opset_version=13, do_constant_folding=True)
    # Same backbone with an untrained 200-way head: for benchmarks on the 200-class CUB geometry.
    torch.manual_seed(1)
    bench = DemoNet(200)
    bench.features.load_state_dict(model.features.state_dict())
    bench.eval()
    torch.onnx.export(bench, dummy, os.path.join(OUT, "bench-200.onnx"), input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, opset_version=13, do_constant_folding=True)
    print("exported", OUT)


if __name__ == "__main__":
    main()
