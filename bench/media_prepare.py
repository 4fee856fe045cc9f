"""How long the server takes to check and re-encode one uploaded photo (media.images.prepare):
a 12-megapixel camera JPEG (no JavaScript: sent as taken) and a 1600 px JPEG (shrunk on the phone).

    .venv/bin/python bench/media_prepare.py [--rounds 10]

Prints the median and worst per size; the last line is one JSON object."""

from __future__ import annotations

import argparse
import io
import json
import random
import statistics
import time

from PIL import Image

from hotline.media.images import Limits, prepare


def _photo(width: int, height: int) -> bytes:
    rnd = random.Random(7)
    small = Image.new("RGB", (width // 16, height // 16))
    small.putdata(
        [
            (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256))
            for _ in range(small.width * small.height)
        ]
    )
    image = small.resize((width, height), Image.Resampling.BILINEAR)  # camera-like gradients, not a flat fill
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (20.0, 1.0, 30.0), 3: "E", 4: (110.0, 20.0, 15.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92, exif=exif.tobytes())
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=10)
    rounds = parser.parse_args().rounds
    result: dict[str, float | int] = {"rounds": rounds}
    for name, size in (("camera_12mp", (4000, 3000)), ("phone_1600", (1600, 1200))):
        data = _photo(*size)
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            kept = prepare(data, Limits(), field="photos")
            times.append((time.perf_counter() - start) * 1000)
        median, worst = statistics.median(times), max(times)
        print(
            f"{name}: {len(data) / 1e6:.2f} MB in → {len(kept.data) / 1e3:.0f} kB kept, median {median:.0f} ms, worst {worst:.0f} ms"
        )
        result[f"{name}_in_bytes"] = len(data)
        result[f"{name}_kept_bytes"] = len(kept.data)
        result[f"{name}_median_ms"] = round(median, 1)
        result[f"{name}_worst_ms"] = round(worst, 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
