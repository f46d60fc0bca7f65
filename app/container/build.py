"""Builds an image of app/ (or a copy of it) the way CI does: the Dockerfile
as it is, with the stand-in bases (bases.sh) passed through its BUILDER_IMAGE
and RUNTIME_IMAGE arguments, and this machine's package index served to the
build over HTTP on the Docker bridge address, only while the build runs.

    python build.py build CONTEXT TAG   # env: BUILDER_IMAGE, RUNTIME_IMAGE
    python build.py bridge              # prints the bridge's gateway and subnet

Also imported by the container tests and the image benchmark.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Dict, Iterator, List, Optional
from urllib.parse import urlparse


def docker(*args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout, check=check)


def bridge() -> Dict[str, str]:
    """The host's address on Docker's default bridge network (containers reach
    the host there) and the network's subnet. dockerd 20.10 leaves the gateway
    out of the network's IPAM settings, so it is read from the interface."""
    network = json.loads(docker("network", "inspect", "bridge", "-f", "{{json .}}").stdout)
    config = network["IPAM"]["Config"][0]
    gateway = config.get("Gateway")
    if not gateway:
        interface = network["Options"].get("com.docker.network.bridge.name", "docker0")
        shown = subprocess.run(["ip", "-4", "-o", "addr", "show", "dev", interface], capture_output=True,
                               text=True, check=True).stdout.split()
        gateway = shown[shown.index("inet") + 1].split("/")[0]
    return {"gateway": gateway, "subnet": config["Subnet"]}


def local_index_dir() -> Path:
    """The first file:// package index in pip's configuration whose folder exists
    (`pip config list`), as a folder holding `simple/`."""
    listing = subprocess.run([sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True,
                             check=True).stdout
    for line in listing.splitlines():
        key, _, value = line.partition("=")
        if not key.endswith("index-url"):
            continue
        for url in value.strip("'\"").split():
            path = Path(urlparse(url).path)
            if url.startswith("file://") and path.name == "simple" and path.is_dir():
                return path.parent
    raise RuntimeError("pip's configuration names no local file:// index (pip config list)")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass


@contextlib.contextmanager
def served_index(address: str) -> Iterator[str]:
    """Serves the local index on address (the bridge's) and yields its URL."""
    handler = functools.partial(_QuietHandler, directory=str(local_index_dir()))
    server = http.server.ThreadingHTTPServer((address, 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{address}:{server.server_address[1]}/simple/"
    finally:
        server.shutdown()
        server.server_close()


def build(context: Path, tag: str, builder_image: Optional[str] = None, runtime_image: Optional[str] = None,
          app_version: str = "container-test", dockerfile: Optional[Path] = None,
          extra_args: Optional[Dict[str, str]] = None) -> float:
    """Builds context into tag; returns the seconds it took. Raises with the
    build's output if it fails."""
    gateway = bridge()["gateway"]
    args: Dict[str, str] = {"APP_VERSION": app_version, **(extra_args or {})}
    if builder_image or os.environ.get("BUILDER_IMAGE"):
        args["BUILDER_IMAGE"] = builder_image or os.environ["BUILDER_IMAGE"]
    if runtime_image or os.environ.get("RUNTIME_IMAGE"):
        args["RUNTIME_IMAGE"] = runtime_image or os.environ["RUNTIME_IMAGE"]
    with served_index(gateway) as index_url:
        args.update(PIP_INDEX_URL=index_url, PIP_TRUSTED_HOST=gateway)
        command: List[str] = ["docker", "build", "--tag", tag]
        if dockerfile is not None:
            command += ["--file", str(dockerfile)]
        for key, value in args.items():
            command += ["--build-arg", f"{key}={value}"]
        started = time.monotonic()
        done = subprocess.run([*command, str(context)], capture_output=True, text=True, timeout=900,
                              env={**os.environ, "DOCKER_BUILDKIT": "0"})
    if done.returncode != 0:
        raise RuntimeError(f"docker build of {context} failed:\n{done.stdout[-6000:]}\n{done.stderr[-3000:]}")
    return time.monotonic() - started


if __name__ == "__main__":
    if sys.argv[1:2] == ["bridge"]:
        found = bridge()
        print(found["gateway"], found["subnet"])
    elif sys.argv[1:2] == ["build"] and len(sys.argv) == 4:
        print(f"built {sys.argv[3]} in {build(Path(sys.argv[2]), sys.argv[3]):.0f} s")
    else:
        sys.exit(__doc__)
