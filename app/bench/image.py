"""Image benchmark: builds the image from app/Dockerfile and the Debian-package
image it replaced (Dockerfile.debian-packages), in one run, and measures each:
size uncompressed and gzip-compressed (as a registry stores the layers), layer
count, and the time from `docker run` to the first 200 on /healthz.
Run through image.sh, which starts the engine and makes the base images.

    python image.py --out IMAGE.md [--runs 5]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
APP_DIR = BENCH_DIR.parent
sys.path.insert(0, str(APP_DIR / "container"))

from build import build, docker  # noqa: E402
from conftest import Container, wait_for_200  # noqa: E402

NEW = "flask-multicloud:bench-new"
OLD = "flask-multicloud:bench-debian-packages"


def compressed_layers(image: str) -> int:
    """Sum of the image's layers, each gzip-compressed (level 6, as `docker push`)."""
    total = 0
    with tempfile.TemporaryDirectory() as work:
        saved = Path(work) / "image.tar"
        subprocess.run(["docker", "save", "--output", str(saved), image], check=True, timeout=300)
        with tarfile.open(saved) as archive:
            manifest = json.load(archive.extractfile("manifest.json"))
            for layer in manifest[0]["Layers"]:
                data = archive.extractfile(layer).read()
                total += len(gzip.compress(data, compresslevel=6))
    return total


def ready_seconds(image: str) -> float:
    """docker run (read-only, tmpfs /tmp, as the platforms) to first 200 on /healthz."""
    started = time.monotonic()
    container_id = docker("run", "--detach", "--read-only", "--tmpfs", "/tmp", image).stdout.strip()
    try:
        ip = docker("inspect", "-f", "{{.NetworkSettings.IPAddress}}", container_id).stdout.strip()
        return wait_for_200(Container(container_id, ip), deadline_s=30, interval=0.005) - started
    finally:
        docker("rm", "--force", container_id, check=False)


# Each image's interpreter, to time a bare container start with it.
PYTHON = {NEW: "/opt/venv/bin/python", OLD: "/usr/bin/python3"}


def bare_start_seconds(image: str) -> float:
    """docker run to exit of `python -c pass` in the image: the engine's and the
    interpreter's share of the time to ready."""
    started = time.monotonic()
    docker("run", "--rm", "--read-only", "--tmpfs", "/tmp", "--entrypoint", PYTHON[image], image, "-c", "pass")
    return time.monotonic() - started


def load() -> str:
    return " ".join(open("/proc/loadavg").read().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    began = time.monotonic()
    date = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")

    build_s = {NEW: build(APP_DIR, NEW, app_version="bench")}
    build_s[OLD] = build(APP_DIR, OLD, app_version="bench", dockerfile=BENCH_DIR / "Dockerfile.debian-packages",
                         extra_args={"BASE_IMAGE": os.environ["REFERENCE_IMAGE"]})
    ready = {NEW: [], OLD: []}
    bare = {NEW: [], OLD: []}
    load_before = load()
    for _ in range(args.runs):  # alternating, so the machine's load hits both alike
        for image in (NEW, OLD):
            ready[image].append(ready_seconds(image))
            bare[image].append(bare_start_seconds(image))
    load_after = load()

    rows = {}
    for image in (NEW, OLD):
        inspected = json.loads(docker("image", "inspect", image).stdout)[0]
        rows[image] = {
            "size": inspected["Size"],
            "gzip": compressed_layers(image),
            "layers": len(inspected["RootFS"]["Layers"]),
            "ready": statistics.median(ready[image]),
            "ready_all": ready[image],
            "bare": statistics.median(bare[image]),
            "build": build_s[image],
        }
    bases = {name: json.loads(docker("image", "inspect", os.environ[name]).stdout)[0]["Size"]
             for name in ("BUILDER_IMAGE", "RUNTIME_IMAGE", "REFERENCE_IMAGE")}
    runtime_gzip = compressed_layers(os.environ["RUNTIME_IMAGE"])
    write_report(Path(args.out), rows, bases, runtime_gzip, args.runs, date, time.monotonic() - began,
                 (load_before, load_after))
    for image in (NEW, OLD):
        docker("image", "rm", image, check=False)


def mb(n: float) -> str:
    return f"{n / 1e6:.1f} MB"


def write_report(out: Path, rows, bases, runtime_gzip, runs, date, wall_s, loads) -> None:
    new, old = rows[NEW], rows[OLD]
    lines = [
        "# Image benchmark",
        "",
        "Reproduce from the repository root, as root (needs this machine's engine, mmdebstrap and package index; "
        "see [image.sh](image.sh)):",
        "",
        "```sh",
        f"bash app/bench/image.sh --runs {runs}",
        "```",
        "",
        f"- Date: {date} (whole benchmark, builds included: {wall_s / 60:.1f} min), one run of this script.",
        f"- Machine: {os.cpu_count()} CPUs, shared with other work: load average (1/5/15 min) {loads[0]} "
        f"before the timed runs, {loads[1]} after. Docker engine "
        f"{docker('version', '-f', '{{.Server.Version}}').stdout.strip()}, legacy builder.",
        "- **New**: `app/Dockerfile` (pip into a virtualenv from `requirements.txt`, distroless final stage).",
        "- **Old**: [`Dockerfile.debian-packages`](Dockerfile.debian-packages), the image it replaced "
        "(Debian bookworm's Python packages on `debian:bookworm-slim`).",
        "- No registry is reachable here, so both were built on local stand-ins for their public bases "
        "(`app/container/bases.sh`), made with mmdebstrap from Debian's packages: "
        f"python:3.11-slim-trixie {mb(bases['BUILDER_IMAGE'])} (builder only), "
        f"gcr.io/distroless/cc-debian13 {mb(bases['RUNTIME_IMAGE'])} ({mb(runtime_gzip)} gzip), "
        f"debian:bookworm-slim {mb(bases['REFERENCE_IMAGE'])}. The public images differ somewhat in size; "
        "the new image's own layers (interpreter, virtualenv, app) do not depend on the stand-ins' size.",
        f"- Ready: `docker run --detach --read-only --tmpfs /tmp IMAGE`, then GET /healthz every 5 ms from the "
        f"host until 200, timed from just before `docker run`; {runs} runs each, alternating; median. "
        "No database or Redis: the app connects to neither before serving.",
        "- Bare start: `docker run --rm --read-only` of the image's Python with `-c pass`, to its exit "
        "(the engine's and the interpreter's part of the time to ready); median of the same runs.",
        "- Compressed: each layer as `docker save` writes it, gzip level 6 (what `docker push` sends), summed.",
        "- Build: wall time of `docker build`, using whatever layer cache the engine holds from earlier builds "
        "(a rerun with unchanged inputs takes seconds).",
        "",
        "| image | uncompressed | gzip-compressed | layers | ready (median) | ready (every run) | bare start | build |",
        "| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |",
    ]
    for label, row in (("new", new), ("old (Debian packages)", old)):
        every = ", ".join(f"{s:.2f}" for s in row["ready_all"])
        lines.append(f"| {label} | {mb(row['size'])} | {mb(row['gzip'])} | {row['layers']} | "
                     f"{row['ready']:.2f} s | {every} s | {row['bare']:.2f} s | {row['build']:.0f} s |")
    lines += [
        "",
        f"Aim: at most 40 MB compressed ({'met' if new['gzip'] <= 40e6 else 'not met'}: {mb(new['gzip'])}); "
        f"ready within 1 s ({'met' if new['ready'] <= 1.0 else 'not met'}: {new['ready']:.2f} s).",
        "",
        f"Of the new image's {new['ready']:.2f} s to ready, {new['bare']:.2f} s is a bare container start "
        f"(creating the container and its network, starting Python, tearing down); the rest is gunicorn "
        "importing the app once, forking its workers and answering. Both are CPU work, so they stretch with the "
        "machine's load (above); the old image, started the same way, is shown for comparison in the same runs.",
        "",
    ]
    out.write_text("\n".join(lines))


if __name__ == "__main__":
    main()
