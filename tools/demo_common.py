"""Shared by the demo training script and the PyTorch + OpenCV reference pipeline (Debian's python3-torch,
python3-torchvision, python3-opencv; run with /usr/bin/python3)."""
import os
import torch
import torch.nn as nn
from PIL import Image

IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]


def conv_bn_relu(cin, cout, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class DemoNet(nn.Module):
    """A small CNN with the CAM head: features (K=128, 14x14 at 224) -> global average pooling -> linear."""

    def __init__(self, classes=8):
        super().__init__()
        self.features = nn.Sequential(
            conv_bn_relu(3, 16, 2), conv_bn_relu(16, 32, 2), conv_bn_relu(32, 64, 2),
            conv_bn_relu(64, 64, 1), conv_bn_relu(64, 128, 2), conv_bn_relu(128, 128, 1))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(128, classes)

    def forward(self, x, return_features=False):
        a = self.features(x)
        z = self.fc(torch.flatten(self.pool(a), 1))
        return (z, a) if return_features else z


def read_cub(root):
    """Returns a list of dicts: id, path, label (0-based), train, box (x0, y0, x1, y1)."""
    def table(name):
        with open(os.path.join(root, name), encoding="utf-8") as f:
            return [line.split() for line in f.read().splitlines() if line.strip()]
    paths = {r[0]: r[1] for r in table("images.txt")}
    labels = {r[0]: int(r[1]) - 1 for r in table("image_class_labels.txt")}
    split = {r[0]: r[1] == "1" for r in table("train_test_split.txt")}
    boxes = {}
    for r in table("bounding_boxes.txt"):
        x, y, w, h = map(float, r[1:])
        boxes.setdefault(r[0], []).append((x, y, x + w, y + h))
    items = []
    for i in sorted(paths, key=int):
        items.append(dict(id=i, path=os.path.join(root, "images", paths[i]), label=labels[i], train=split[i], boxes=boxes[i]))
    return items


def load_rgb(path):
    with Image.open(path) as im:
        return im.convert("RGB")
