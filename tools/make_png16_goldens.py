#!/usr/bin/python3
"""Writes 16-bit PNGs of every colour type (grey, grey+alpha, RGB, RGBA; written here byte by byte, so no encoder
chooses for us) and what Pillow's Image.open(p).convert('RGB') makes of them, into
tests/InfoCamWeb.Core.Tests/Imaging/png16/. The engine must give the same RGB bytes (ImageDecoderTests).
Run with Debian's python3-pil: /usr/bin/python3 tools/make_png16_goldens.py"""
import base64, json, os, struct, zlib
from PIL import Image
import PIL

W, H = 23, 17
TYPES = {"grey": (0, 1), "grey-alpha": (4, 2), "rgb": (2, 3), "rgba": (6, 4)}


def sample(x, y, c):
    # Spread over the whole 16-bit range, with a band of small values (<= 255) where a grey 16-bit value survives PIL.
    if y < 4:
        return (x * 11 + y * 3 + c * 40) % 256
    return (x * 2741 + y * 1931 + c * 7919 + (x * y * 97) % 3001) % 65536


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def png16(colour_type, channels):
    raw = bytearray()
    for y in range(H):
        raw.append(0)  # filter: none
        for x in range(W):
            for c in range(channels):
                raw += struct.pack(">H", sample(x, y, c))
    ihdr = struct.pack(">IIBBBBB", W, H, 16, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b"")


folder = os.path.join(os.path.dirname(__file__), "..", "tests", "InfoCamWeb.Core.Tests", "Imaging", "png16")
os.makedirs(folder, exist_ok=True)
out = {"pillow": PIL.__version__, "images": {}}
for name, (colour_type, channels) in TYPES.items():
    path = os.path.join(folder, name + ".png")
    with open(path, "wb") as f:
        f.write(png16(colour_type, channels))
    with Image.open(path) as im:
        mode = im.mode
        rgb = im.convert("RGB").tobytes()
    out["images"][name] = {"pilMode": mode, "rgb": base64.b64encode(rgb).decode()}
with open(os.path.join(folder, "pil-rgb.json"), "w") as f:
    json.dump(out, f, indent=1)
print("wrote", folder, {k: v["pilMode"] for k, v in out["images"].items()})
