#!/usr/bin/python3
"""The README's performance table, measured side by side in one run on this machine: for each model, infocam's
end-to-end rate (`infocam bench`), its post-only rate (`infocam bench --post-only`: everything but inference; the
median of five passes) on 1 and 2 cores at threshold steps 0.01 and 0.001, ONNX Runtime's inference alone, and the PyTorch + OpenCV reference pipeline
(tools/reference_eval.py) on the same images.

    dotnet build src/InfoCamWeb.Cli -c Release -o /tmp/infocam
    /tmp/infocam/infocam make-demo --output /tmp/bench800 --per-class 100
    /usr/bin/python3 tools/perf_table.py --infocam /tmp/infocam/infocam --dataset /tmp/bench800

ResNet-18 and MobileNetV2 are tools/reference_family.py's seeded 200-class models (exported to artifacts/zoo/family on
first use), so both pipelines run the same weights. Needs Debian's python3-torch, python3-torchvision, python3-opencv."""
import argparse
import json
import os
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tools"))


def models(zoo):
    from reference_family import export, hooked  # noqa: E402 (torch is imported only when measuring)
    os.makedirs(zoo, exist_ok=True)
    rows = [("demo CNN (128 x 14 x 14)", os.path.join(REPO, "datasets", "demo-model", "demo-cnn.onnx"),
             ["--checkpoint", os.path.join(REPO, "datasets", "demo-model", "demo-cnn.pt")])]
    for name, title in (("resnet18", "ResNet-18 (512 x 7 x 7)"), ("mobilenet_v2", "MobileNetV2 (1280 x 7 x 7)")):
        path = os.path.join(zoo, name + ".onnx")
        export(hooked(name), path)
        rows.append((title, path, ["--arch", name]))
    return rows


def run(cmd):
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{done.stderr}")
    return done.stdout


def measure(infocam, dataset, split, title, onnx, reference_model, tmp):
    common = ["--model", onnx, "--dataset", dataset, "--split", split, "--provider", "cpu", "--quiet"]
    post_json = os.path.join(tmp, "post.json")
    run([infocam, "bench", "--post-only", *common, "--steps", "0.01,0.001", "--cores", "1,2", "--repeat", "5", "--output", post_json])
    post = json.load(open(post_json))
    full_json = os.path.join(tmp, "full.json")
    run([infocam, "bench", *common, "--steps", "0.01", "--output", full_json])
    full = json.load(open(full_json))
    ref_json = os.path.join(tmp, "ref.json")
    run(["/usr/bin/python3", os.path.join(REPO, "tools", "reference_eval.py"), "--dataset", dataset, "--split", split,
         *reference_model, "--output", ref_json])
    ref = json.load(open(ref_json))
    rate = {(r["thresholdStep"], r["cores"]): r["postImagesPerSecond"] for r in post["runs"]}
    # each round's 2-core pass over its 1-core pass, the median over the rounds (the bench's paired estimate)
    scaling = {s["thresholdStep"]: s["paired"] for s in post["scaling"]}
    inference = max(r["inferenceImagesPerSecond"] for r in post["runs"] if r["cores"] == 2)
    return (f"| {title} | {full['images'] / full['seconds']['total']:.0f} | {rate[(0.01, 2)]:.0f} | {rate[(0.001, 2)]:.0f} "
            f"| {scaling[0.01]:.2f}x / {scaling[0.001]:.2f}x | {inference:.0f} | {ref['images'] / ref['seconds']['total']:.1f} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--infocam", required=True, help="a Release build of the CLI")
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--split", default="all")
    ap.add_argument("--zoo", default=os.path.join(REPO, "artifacts", "zoo", "family"))
    args = ap.parse_args()
    print("| model | end to end img/s | post-only img/s, step 0.01 | post-only, step 0.001 | post-only 2 vs 1 core, step 0.01 / 0.001 "
          "| ONNX Runtime inference img/s | PyTorch + OpenCV reference img/s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for title, onnx, reference_model in models(args.zoo):
            print(measure(args.infocam, args.dataset, args.split, title, onnx, reference_model, tmp), flush=True)


if __name__ == "__main__":
    main()
