"""Reading a QR code back the way a phone camera does: the SVG is drawn to pixels, then zxing-cpp
(a real barcode reader, offline) finds and decodes the symbol in the picture."""

from __future__ import annotations

import base64
import re
from xml.etree import ElementTree

import zxingcpp

SVG_PREFIX = "data:image/svg+xml;base64,"
_SVG = "{http://www.w3.org/2000/svg}"


def svg_of(data_uri: str) -> bytes:
    assert data_uri.startswith(SVG_PREFIX), data_uri[:40]
    return base64.b64decode(data_uri[len(SVG_PREFIX) :], validate=True)


def dark_modules(svg: bytes) -> tuple[int, set[tuple[int, int]]]:
    """The symbol's size in modules (quiet zone included) and its dark (x, y) modules, read from the
    path segno draws: one horizontal stroke per run of dark modules, centred on its row."""
    root = ElementTree.fromstring(svg)  # noqa: S314 (our own server's output)
    path = root.find(f"{_SVG}path")
    if path is None:
        path = root.find("path")
    assert path is not None, "no <path> in the SVG"
    scale_match = re.fullmatch(r"scale\((\d+(?:\.\d+)?)\)", path.get("transform", "scale(1)"))
    assert scale_match, path.get("transform")
    size = round(float(root.get("width", "0")) / float(scale_match.group(1)))
    dark: set[tuple[int, int]] = set()
    x = y = 0.0
    tokens = re.findall(r"[A-Za-z]|-?\d+(?:\.\d+)?", path.get("d", ""))
    i = 0
    while i < len(tokens):
        command = tokens[i]
        if command in "Mm":
            dx, dy = float(tokens[i + 1]), float(tokens[i + 2])
            x, y = (dx, dy) if command == "M" else (x + dx, y + dy)
            i += 3
        elif command in "Hh":
            end = float(tokens[i + 1]) if command == "H" else x + float(tokens[i + 1])
            dark.update((col, int(y)) for col in range(int(min(x, end)), int(max(x, end))))
            x = end
            i += 2
        else:
            raise AssertionError(f"unexpected SVG path command {command!r}")
    return size, dark


def decode_qr_data_uri(data_uri: str, pixels_per_module: int = 4) -> str:
    """The text a QR reader finds in an SVG data URI."""
    size, dark = dark_modules(svg_of(data_uri))
    side = size * pixels_per_module
    image = bytearray(b"\xff" * side * side)
    for mx, my in dark:
        for py in range(my * pixels_per_module, (my + 1) * pixels_per_module):
            start = py * side + mx * pixels_per_module
            image[start : start + pixels_per_module] = b"\x00" * pixels_per_module
    found = zxingcpp.read_barcode(memoryview(bytes(image)).cast("B", (side, side)))
    assert found is not None, "no QR code found in the picture"
    assert found.format == zxingcpp.BarcodeFormat.QRCode, found.format
    return found.text
