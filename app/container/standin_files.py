#!/usr/bin/env python3
"""Lists, relative to ROOT, the files and directories the given Debian
packages installed in the tree ROOT (from dpkg's lists), with each path's
directories resolved inside ROOT (merged /usr: lib/ -> usr/lib/), plus the
top-level merged-/usr links. For bases.sh's distroless stand-in.

    standin_files.py ROOT PACKAGE...
"""

import os
import sys


def main(root: str, packages: list) -> None:
    info = os.path.join(root, "var/lib/dpkg/info")
    seen = set()
    for link in ("bin", "lib", "lib64", "sbin"):
        if os.path.islink(os.path.join(root, link)):
            seen.add(link)
    for package in packages:
        lists = [os.path.join(info, f"{package}{arch}.list") for arch in ("", ":amd64")]
        found = [path for path in lists if os.path.exists(path)]
        if not found:
            sys.exit(f"standin_files.py: package {package} is not installed in {root}")
        with open(found[0], encoding="utf-8") as listing:
            for line in listing:
                path = line.rstrip("\n").lstrip("/")
                if not path or path == ".":
                    continue
                parent = os.path.realpath(os.path.join(root, os.path.dirname(path)))
                full = os.path.join(parent, os.path.basename(path))
                if os.path.lexists(full) and parent.startswith(os.path.realpath(root)):
                    seen.add(os.path.relpath(full, os.path.realpath(root)))
    for path in sorted(seen):
        print(path)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
