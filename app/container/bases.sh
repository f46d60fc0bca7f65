#!/usr/bin/env bash
# Builds local stand-ins for the Dockerfile's two public base images, for a
# machine that cannot reach a registry (this CI machine):
#
#   python:3.11-slim-trixie      -> flask-multicloud-standin/python:3.11-slim-trixie
#   gcr.io/distroless/cc-debian13 -> flask-multicloud-standin/distroless-cc:debian13
#
#   bash app/container/bases.sh            # prints BUILDER_IMAGE=... and RUNTIME_IMAGE=...
#   bash app/container/bases.sh reference  # prints REFERENCE_IMAGE=...: a debian:bookworm-slim
#                                          # stand-in, for the image benchmark's old Dockerfile
#
# Both come from one `mmdebstrap --variant=minbase trixie` tree made with this
# machine's Debian mirror (about 100 s). The slim stand-in is that tree with
# dpkg's slim excludes and a CPython 3.11 copied under /usr/local (this
# machine's pyenv build; the official image compiles its own). The distroless
# stand-in is only the files of the packages distroless cc-debian13 ships
# (base-files, netbase, tzdata, glibc with libc-bin's ld.so.cache, libgcc,
# libstdc++, libgomp, libssl), the CA bundle and distroless's users: no shell,
# no dpkg, no apt. The images are kept under those tags, labelled with a hash
# of this script and the interpreter, and reused while both match.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON_HOME="${STANDIN_PYTHON_HOME:-$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")/versions/3.11.7}"
BUILDER_TAG=flask-multicloud-standin/python:3.11-slim-trixie
RUNTIME_TAG=flask-multicloud-standin/distroless-cc:debian13

die() { echo "bases.sh: $*" >&2; exit 1; }
[ -x "$PYTHON_HOME/bin/python3.11" ] || die "no CPython 3.11 at $PYTHON_HOME (set STANDIN_PYTHON_HOME)"

recipe="$( { cat "${BASH_SOURCE[0]}"; "$PYTHON_HOME/bin/python3.11" -VV; } | sha256sum | cut -c1-16)"
current() { [ "$(docker image inspect -f '{{ index .Config.Labels "standin.recipe" }}' "$1" 2>/dev/null || true)" = "$recipe" ]; }

# debian_tree SUITE ROOT [PACKAGE,...]: `mmdebstrap --variant=minbase` into ROOT
# from this machine's Debian mirror (the URIs of its deb822 sources), with
# apt set up the same way inside (its docker-* settings too: as in the official
# images, apt keeps no downloaded .deb files), and the official slim images'
# dpkg excludes.
debian_tree() {
  local suite="$1" root="$2" include="${3:-}" mirror security
  command -v mmdebstrap >/dev/null || die "mmdebstrap is not installed (apt-get install mmdebstrap)"
  mirror="$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)"
  security="$(awk '/^URIs:/ && $2 ~ /security/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)"
  cat > "$WORK/$suite.sources" <<SOURCES
Types: deb
URIs: ${mirror:-http://deb.debian.org/debian}
Suites: $suite $suite-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${security:-http://deb.debian.org/debian-security}
Suites: $suite-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
  echo "bases.sh: mmdebstrap $suite (about 100 s)" >&2
  # Debian's python3 for mmdebstrap's helpers, not a pyenv shim (slow, per package).
  PATH=/usr/sbin:/usr/bin:/sbin:/bin mmdebstrap --quiet --variant=minbase --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
    --aptopt='Acquire::Check-Valid-Until "false"' ${include:+--include="$include"} \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/groff/*' \
    --dpkgopt='path-exclude=/usr/share/lintian/*' --dpkgopt='path-exclude=/usr/share/linda/*' \
    --customize-hook='rm -f "$1"/etc/apt/sources.list; mkdir -p "$1"/etc/apt/sources.list.d' \
    --customize-hook="upload $WORK/$suite.sources /etc/apt/sources.list.d/debian.sources" \
    --customize-hook='echo "Acquire::Check-Valid-Until \"false\";" > "$1"/etc/apt/apt.conf.d/99check-valid-until' \
    --customize-hook='for f in /etc/apt/apt.conf.d/docker-*; do [ -e "$f" ] && cp "$f" "$1/etc/apt/apt.conf.d/"; done; true' \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*' \
    "$suite" "$root" "$WORK/$suite.sources" >"$WORK/mmdebstrap.log" 2>&1 \
    || { tail -n 30 "$WORK/mmdebstrap.log" >&2; die "mmdebstrap $suite failed (log above)"; }
}

WORK="$(mktemp -d "${TMPDIR:-/tmp}/standin.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

if [ "${1:-}" = reference ]; then
  REFERENCE_TAG=flask-multicloud-standin/debian:bookworm-slim
  if current "$REFERENCE_TAG"; then
    echo "bases.sh: reusing $REFERENCE_TAG (recipe $recipe)" >&2
  else
    debian_tree bookworm "$WORK/root"
    tar --numeric-owner -C "$WORK/root" -cf - . | docker import --change "LABEL standin.recipe=$recipe" \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["bash"]' - "$REFERENCE_TAG" >/dev/null
  fi
  echo "REFERENCE_IMAGE=$REFERENCE_TAG"
  exit 0
fi

if current "$BUILDER_TAG" && current "$RUNTIME_TAG"; then
  echo "bases.sh: reusing $BUILDER_TAG and $RUNTIME_TAG (recipe $recipe)" >&2
else
  root="$WORK/root"
  # The runtime libraries of the official slim image (ca-certificates, netbase,
  # tzdata and what CPython's modules link), plus distroless cc's libgcc,
  # libstdc++ and libgomp.
  debian_tree trixie "$root" ca-certificates,netbase,tzdata,libssl3t64,libffi8,libsqlite3-0,zlib1g,libbz2-1.0,liblzma5,libreadline8t64,libncursesw6,libuuid1,libexpat1,libgdbm6t64,libgcc-s1,libstdc++6,libgomp1

  # distroless stand-in: the files of its packages, taken from the tree above.
  python3 "$HERE/standin_files.py" "$root" \
    base-files netbase tzdata libc6 libc-bin libgcc-s1 libstdc++6 libgomp1 libssl3t64 > "$WORK/distroless.list"
  stage="$WORK/distroless"
  mkdir -p "$stage"
  tar --numeric-owner --no-recursion -C "$root" -cf - -T "$WORK/distroless.list" | tar --numeric-owner -C "$stage" -xf -
  mkdir -p "$stage/etc/ssl/certs" "$stage/tmp" "$stage/root" "$stage/home/nonroot"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > "$stage/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n' > "$stage/etc/group"
  cp "$root/etc/ssl/certs/ca-certificates.crt" "$stage/etc/ssl/certs/"
  cp "$root/etc/ld.so.cache" "$root/etc/nsswitch.conf" "$stage/etc/" 2>/dev/null || true
  chmod 1777 "$stage/tmp"; chmod 700 "$stage/root"; chown 65532:65532 "$stage/home/nonroot"
  tar --numeric-owner -C "$stage" -cf "$WORK/distroless.tar" .
  docker import --change "LABEL standin.recipe=$recipe" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
    "$WORK/distroless.tar" "$RUNTIME_TAG" >/dev/null

  # slim stand-in: CPython under /usr/local as the official image has it, with
  # pip, without the tests, caches and other site-packages.
  tar -C "$PYTHON_HOME" --exclude=site-packages --exclude=__pycache__ --exclude=test --exclude=tests \
    --exclude=idle_test --exclude='config-3.11-*' -cf - \
    bin/python3.11 lib/libpython3.11.so.1.0 lib/libpython3.11.so lib/libpython3.so lib/python3.11 include/python3.11 \
    | tar -C "$root/usr/local" -xf -
  mkdir -p "$root/usr/local/lib/python3.11/site-packages"
  (cd "$PYTHON_HOME/lib/python3.11/site-packages" && tar --exclude=__pycache__ -cf - pip pip-*.dist-info) \
    | tar -C "$root/usr/local/lib/python3.11/site-packages" -xf -
  strip --strip-unneeded "$root/usr/local/bin/python3.11" "$root/usr/local/lib/libpython3.11.so.1.0" \
    "$root"/usr/local/lib/python3.11/lib-dynload/*.so
  ln -s python3.11 "$root/usr/local/bin/python3"
  ln -s python3 "$root/usr/local/bin/python"
  for name in pip pip3 pip3.11; do
    printf '#!/usr/local/bin/python3.11\nimport sys\nfrom pip._internal.cli.main import main\nsys.exit(main())\n' > "$root/usr/local/bin/$name"
    chmod 755 "$root/usr/local/bin/$name"
  done
  chroot "$root" /sbin/ldconfig
  tar --numeric-owner -C "$root" -cf - . | docker import --change "LABEL standin.recipe=$recipe" \
    --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' --change 'ENV PYTHON_VERSION=3.11.7' \
    --change 'CMD ["python3"]' - "$BUILDER_TAG" >/dev/null
  echo "bases.sh: built $BUILDER_TAG and $RUNTIME_TAG" >&2
fi
echo "BUILDER_IMAGE=$BUILDER_TAG"
echo "RUNTIME_IMAGE=$RUNTIME_TAG"
