#!/usr/bin/python3
"""Writes tests/InfoCamWeb.Core.Tests/Imaging/pil-resize-goldens.json: SHA-256 of Pillow's BILINEAR resize of synthetic
RGB images (the same formula is in PilResizeTests.cs), so the C# port is checked bit for bit against Pillow.
Run with Debian's python3-pil: /usr/bin/python3 tools/make_pil_goldens.py"""
import hashlib, json, os
from PIL import Image
import PIL

CASES = [(37, 23, 224, 224), (500, 335, 224, 224), (300, 200, 256, 256), (640, 480, 224, 224),
         (224, 224, 224, 224), (1023, 17, 224, 224), (225, 224, 224, 224), (3000, 2000, 224, 224),
         (500, 375, 223, 97), (7, 5, 3, 9), (2, 1, 5, 1), (5, 3, 2, 3), (375, 500, 224, 224)]

def synth(w, h):
    data = bytearray(w * h * 3)
    i = 0
    for y in range(h):
        for x in range(w):
            for c in range(3):
                data[i] = (x * 7 + y * 13 + c * 50 + (x * y) % 17 + ((x // 5) * (y // 3) * (c + 1)) % 29) % 256
                i += 1
    return Image.frombytes("RGB", (w, h), bytes(data))

out = {"pillow": PIL.__version__, "cases": []}
for (w, h, ow, oh) in CASES:
    r = synth(w, h).resize((ow, oh), Image.BILINEAR)
    b = r.tobytes()
    out["cases"].append({"in": [w, h], "out": [ow, oh], "sha256": hashlib.sha256(b).hexdigest(),
                         "first": list(b[:12]), "sum": sum(b)})
path = os.path.join(os.path.dirname(__file__), "..", "tests", "InfoCamWeb.Core.Tests", "Imaging", "pil-resize-goldens.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print("wrote", path)
