"""Shrink the screenshots a real Anki took of the demo profile (tests/artifacts/demo_*.png, written by
tests/test_demo_anki.py) into the README's pictures under docs/images/. Run through tools/screenshots.sh."""

from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PyQt6.QtGui import QImage

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "tests" / "artifacts"
IMAGES = REPO / "docs" / "images"
MAX_BYTES = 150_000  # each picture stays well under this
# artifact -> (picture in docs/images, largest width in pixels: about the width GitHub shows a README at)
PICTURES = {
    "demo_preview_dialog.png": ("preview-dialog.png", 600),
    "demo_answer_buttons.png": ("answer-buttons.png", 560),
    "demo_settings_dialog.png": ("settings-dialog.png", 760),
    "demo_compare_dialog.png": ("compare-charts.png", 760),
}


def to_palette(image: QImage) -> QImage:
    """The image in 8 bits per pixel with its own 256 most frequent colours (a dialog has a few hundred, mostly
    text anti-aliasing): the file gets two to three times smaller and looks the same. Qt's own palette (a colour
    cube) would turn light greys white, and dithering would make the flat backgrounds noisy and the file big."""
    from PyQt6.QtCore import Qt
    from PyQt6.QtGui import QImage

    rgb = image.convertToFormat(QImage.Format.Format_RGB32)
    pixels = memoryview(rgb.constBits().asstring(rgb.sizeInBytes())).cast("I")  # bytesPerLine = 4 * width
    table = [colour for colour, _count in Counter(pixels).most_common(256)]
    return rgb.convertToFormat(QImage.Format.Format_Indexed8, table, Qt.ImageConversionFlag.ThresholdDither)


def shrink(source: Path, target: Path, width: int) -> int:
    """Scale ``source`` down to ``width`` (never up) and write it as a PNG; returns the file's size in bytes."""
    from PyQt6.QtCore import Qt
    from PyQt6.QtGui import QImage

    image = QImage(str(source))
    if image.isNull():
        raise SystemExit(f"{source} is not a readable image")
    if image.width() > width:
        image = image.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
    image = to_palette(image)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(target), "PNG", 0):  # 0: the smallest file
        raise SystemExit(f"could not write {target}")
    return target.stat().st_size


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PyQt6.QtGui import QGuiApplication

    _app = QGuiApplication(sys.argv[:1])
    missing = [name for name in PICTURES if not (ARTIFACTS / name).exists()]
    if missing:
        print(f"missing in {ARTIFACTS}: {', '.join(missing)} (run tests/test_demo_anki.py first)", file=sys.stderr)
        return 1
    too_big = []
    for name, (picture, width) in PICTURES.items():
        size = shrink(ARTIFACTS / name, IMAGES / picture, width)
        print(f"docs/images/{picture}: {size / 1000:.0f} kB")
        if size > MAX_BYTES:
            too_big.append(picture)
    if too_big:
        print(f"over {MAX_BYTES // 1000} kB: {', '.join(too_big)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
