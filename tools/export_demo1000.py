#!/usr/bin/python3
"""The demo CNN's trained backbone with a seeded, untrained 1000-way head, for ImageNet-shaped datasets
(`infocam make-demo --imagenet`): writes datasets/demo-model/demo-1000.onnx and demo-1000.pt.

    /usr/bin/python3 tools/export_demo1000.py"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from demo_common import DemoNet  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "datasets", "demo-model")


def main():
    trained = torch.load(os.path.join(OUT, "demo-cnn.pt"), map_location="cpu")
    torch.manual_seed(1000)
    model = DemoNet(1000)
    model.load_state_dict({k: v for k, v in trained.items() if k.startswith("features.")}, strict=False)
    model.eval()
    torch.save(model.state_dict(), os.path.join(OUT, "demo-1000.pt"))
    dummy = torch.randn(1, 3, 224, 224)
    torch.onnx.export(model, dummy, os.path.join(OUT, "demo-1000.onnx"), input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, opset_version=13, do_constant_folding=True)
    print("exported", OUT)


if __name__ == "__main__":
    main()
