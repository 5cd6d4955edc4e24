#!/usr/bin/env python3
"""Copies chosen chart PNGs out of the committed notebooks into docs/images/ for the README.

Run after `npm run notebooks -- --inplace` so the README shows what the notebooks show:
    /usr/bin/python3 scripts/readme-images.py
"""
import base64
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
# (notebook, n-th PNG output in it, file name under docs/images)
PICKS = [
    ("00-tour.ipynb", 1, "tour-heatmap.png"),
    ("01-zeros-and-rss.ipynb", 4, "rss-timeline.png"),
    ("02-contiguity.ipynb", 2, "frame-map.png"),
    ("03-one-element-write.ipynb", 2, "thp-numpy-versions.png"),
    ("04-platforms.ipynb", 1, "lazy-vs-eager.png"),
    ("05-tlb.ipynb", 3, "tlb-reach.png"),
    ("06-recycled-memory.ipynb", 1, "recycled-heatmap.png"),
    ("07-straddling-item.ipynb", 1, "straddling.png"),
    ("08-this-machine.ipynb", 1, "real-vs-sim.png"),
    ("09-exercises.ipynb", 2, "exercise-heatmap.png"),
    ("10-when-memory-runs-short.ipynb", 2, "working-set.png"),
    ("11-explain-a-real-program.ipynb", 1, "rss-by-call-site.png"),
]


def pngs(notebook: pathlib.Path):
    nb = json.loads(notebook.read_text())
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "image/png" in data:
                yield base64.b64decode(data["image/png"])


def main() -> None:
    out = ROOT / "docs" / "images"
    out.mkdir(parents=True, exist_ok=True)
    for name, nth, target in PICKS:
        images = list(pngs(ROOT / "notebooks" / name))
        if len(images) < nth:
            raise SystemExit(f"{name} has {len(images)} PNG outputs, wanted number {nth}")
        (out / target).write_bytes(images[nth - 1])
        print(f"docs/images/{target} <- {name} #{nth}")


if __name__ == "__main__":
    main()
