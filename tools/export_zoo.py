#!/usr/bin/python3
"""Exports torchvision classifiers with torch.onnx.export (random weights, nothing downloaded) for the model-zoo tests:
ResNet-18/50, VGG-16 with a GAP head, MobileNetV2 and DenseNet-121, each with a static batch of 1 and a dynamic batch;
and ResNet-18 saved the ways people upload by mistake instead of ONNX: torch.save's zip checkpoint (resnet18.pt) and
its legacy pickle format (resnet18-legacy.pth).

    /usr/bin/python3 tools/export_zoo.py artifacts/zoo

tests/InfoCamWeb.Core.Tests reads artifacts/zoo (or $INFOCAM_ZOO); .ci/run creates it."""
import os
import sys
import torch
import torch.nn as nn
import torchvision.models as tvm


class Vgg16Gap(nn.Module):
    """VGG-16 features with the CAM head of the WSOL literature: global average pooling + one linear layer."""

    def __init__(self, classes):
        super().__init__()
        self.features = tvm.vgg16().features
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(512, classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.features(x)), 1))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "artifacts/zoo"
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    classes = 200
    models = {
        "resnet18": lambda: tvm.resnet18(num_classes=classes),
        "resnet50": lambda: tvm.resnet50(num_classes=classes),
        "vgg16gap": lambda: Vgg16Gap(classes),
        "mobilenet_v2": lambda: tvm.mobilenet_v2(num_classes=classes),
        "densenet121": lambda: tvm.densenet121(num_classes=classes),
    }
    only = set(sys.argv[2].split(",")) if len(sys.argv) > 2 else None
    x = torch.randn(1, 3, 224, 224)
    for name, make in models.items():
        if only and name not in only:
            continue
        model = make().eval()
        for dynamic in (False, True):
            path = os.path.join(out, f"{name}-{'dynamic' if dynamic else 'static'}.onnx")
            if os.path.exists(path):
                continue
            kwargs = dict(input_names=["input"], output_names=["logits"], opset_version=13, do_constant_folding=True)
            if dynamic:
                kwargs["dynamic_axes"] = {"input": {0: "batch"}, "logits": {0: "batch"}}
            torch.onnx.export(model, x, path + ".tmp", **kwargs)
            os.replace(path + ".tmp", path)
            print("wrote", path, flush=True)

    checkpoints = {"resnet18.pt": True, "resnet18-legacy.pth": False}
    for file, zipped in checkpoints.items():
        path = os.path.join(out, file)
        if not os.path.exists(path):
            torch.save(tvm.resnet18(num_classes=classes).state_dict(), path, _use_new_zipfile_serialization=zipped)
            print("wrote", path, flush=True)


if __name__ == "__main__":
    main()
