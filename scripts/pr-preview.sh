#!/usr/bin/env bash
# What the pull-request workflow (.github/workflows/pr-preview.yml) does, run
# locally: install from the lockfile, run the tests, render every stack
# offline on the working tree (head) and on a base commit, and print the
# difference as markdown, with each stack's monthly estimate on both sides and
# the change (a base that predates the estimate is estimated from its
# resources). Needs no cloud access and no Pulumi CLI.
#
#   scripts/pr-preview.sh                  # base = HEAD~1 (or HEAD on a first commit)
#   BASE=origin/main scripts/pr-preview.sh
#   scripts/pr-preview.sh --no-install --no-test   # just the renders and the diff
#
# Environment: BASE (git ref), OUT (directory for renders and diff.md; default
# a temporary directory), HEAD_LABEL (how to name the head in the title).
# Exit status: 0, or 1 when npm test fails or a stack does not render on head.
set -euo pipefail

install=1
run_tests=1
for arg in "$@"; do
    case "$arg" in
        --no-install) install=0 ;;
        --no-test) run_tests=0 ;;
        -h | --help) sed -n '2,16p' "$0"; exit 0 ;;
        *) echo "unknown argument: $arg" >&2; exit 2 ;;
    esac
done

root="$(git rev-parse --show-toplevel)"
cd "$root"
status=0

if [ -z "${BASE:-}" ]; then
    if git rev-parse -q --verify 'HEAD~1^{commit}' >/dev/null; then BASE="HEAD~1"; else BASE="HEAD"; fi
fi
base_sha="$(git rev-parse --verify "${BASE}^{commit}")"
out="${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/pr-preview.XXXXXX")}"
mkdir -p "$out/base" "$out/head"
worktree="$(mktemp -d "${TMPDIR:-/tmp}/pr-preview-base.XXXXXX")"

cleanup() {
    git -C "$root" worktree remove --force "$worktree" >/dev/null 2>&1 || true
    rm -rf "$worktree"
    git -C "$root" worktree prune >/dev/null 2>&1 || true
}
trap cleanup EXIT

log() { echo "pr-preview: $*" >&2; }

if [ "$install" = 1 ]; then
    log "npm ci"
    npm ci --no-audit --no-fund >&2
fi
if [ "$run_tests" = 1 ]; then
    log "npm test"
    npm test >&2 || { log "npm test failed"; status=1; }
fi

# The base renders with the base's own code: a detached worktree at the base commit.
log "base: $BASE ($base_sha)"
git worktree add --detach --quiet "$worktree" "$base_sha"
if cmp -s "$root/package-lock.json" "$worktree/package-lock.json"; then
    ln -s "$root/node_modules" "$worktree/node_modules" # same lockfile: same dependencies, no second install
else
    log "the base has a different lockfile: npm ci in the base"
    (cd "$worktree" && npm ci --no-audit --no-fund >&2)
fi

stacks_in() { (cd "$1" && ls Pulumi.*.yaml 2>/dev/null | sed -E 's/^Pulumi\.(.*)\.yaml$/\1/') || true; }

# render <dir> <stack> <out-file>: the JSON render, or {stack, error} when it fails.
render() {
    local dir="$1" stack="$2" file="$3" err
    err="$(mktemp)"
    if (cd "$dir" && npm run --silent plan -- "$stack" --json) >"$file" 2>"$err"; then
        rm -f "$err"
        return 0
    fi
    node -e 'const fs=require("fs");const [stack,errFile,file]=process.argv.slice(1);
        const msg=fs.readFileSync(errFile,"utf8").split("\n").filter((l)=>!/^npm warn/i.test(l)).join("\n").trim();
        fs.writeFileSync(file,JSON.stringify({stack,error:msg||"render failed"}));' "$stack" "$err" "$file"
    rm -f "$err"
    return 1
}

for stack in $(stacks_in "$root"); do
    log "render $stack (head)"
    render "$root" "$stack" "$out/head/$stack.json" || { log "$stack does not render on head"; status=1; }
done
if [ -f "$worktree/scripts/plan.ts" ]; then
    for stack in $(stacks_in "$worktree"); do
        log "render $stack (base)"
        render "$worktree" "$stack" "$out/base/$stack.json" || log "$stack does not render on the base"
    done
else
    log "the base has no offline render (scripts/plan.ts); every resource shows as added"
fi

head_label="${HEAD_LABEL:-$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- 2>/dev/null || echo ' + uncommitted changes')}"
node -r sucrase/register/ts scripts/diff.ts "$out/base" "$out/head" \
    --title "Offline render diff: \`$(git rev-parse --short "$base_sha")\` → \`$head_label\`" \
    --marker "<!-- flask-multicloud:pr-preview -->" >"$out/diff.md"
cat "$out/diff.md"
log "renders and diff.md in $out"
exit "$status"
