#!/usr/bin/env bash
# Proves that making the project your own does not break it: on a fresh clone
# of this repository, does what a fork does first, then runs `npm test` there.
#   1. adds a staging stack (AWS, eu-west-1, small, 1-2 tasks);
#   2. changes prod's size, region and instance counts, and switches it to Google Cloud;
#   3. renames the project (Pulumi.yaml and every stack file's keys);
# then renders every stack offline and runs the whole suite. Run by .ci/run.
#
#   scripts/fork-check.sh            # clones HEAD of this repository
# Exit status: npm test's, or 1 when a stack fails to render.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/fork-check.XXXXXX")"
trap 'rm -rf "$work"' EXIT
fork="$work/acme-shop"

log() { echo "fork-check: $*" >&2; }

git clone --quiet --no-hardlinks "$root" "$fork"
# The fork shares this checkout's installed packages (same lockfile); CI ran npm ci already.
ln -s "$root/node_modules" "$fork/node_modules"
cd "$fork"

log "add Pulumi.staging.yaml; prod: size large, 3 to 6 instances, Google Cloud in us-central1; rename the project to acme-shop"
node - <<'JS'
const fs = require("fs");
const YAML = require("yaml");
const project = YAML.parseDocument(fs.readFileSync("Pulumi.yaml", "utf8"));
const oldName = project.get("name");
const newName = "acme-shop";
project.set("name", newName);
fs.writeFileSync("Pulumi.yaml", String(project));

// Every stack file's project keys move to the new name, as `pulumi` expects after a rename.
const stacks = fs.readdirSync(".").filter((f) => /^Pulumi\..+\.yaml$/.test(f));
for (const file of stacks) {
    const doc = YAML.parseDocument(fs.readFileSync(file, "utf8"));
    const config = doc.get("config");
    for (const pair of config?.items ?? []) {
        const key = String(pair.key.value ?? pair.key);
        if (key.startsWith(`${oldName}:`)) {
            pair.key = doc.createNode(`${newName}:${key.slice(oldName.length + 1)}`);
        }
    }
    fs.writeFileSync(file, String(doc));
}

const prod = YAML.parseDocument(fs.readFileSync("Pulumi.prod.yaml", "utf8"));
const set = (key, value) => prod.setIn(["config", key], value);
set(`${newName}:cloud`, "gcp");
set(`${newName}:size`, "large");
set(`${newName}:minInstances`, "3");
set(`${newName}:maxInstances`, "6");
prod.deleteIn(["config", "aws:region"]);
set("gcp:project", "acme-shop-prod");
set("gcp:region", "us-central1");
fs.writeFileSync("Pulumi.prod.yaml", String(prod));

fs.writeFileSync(
    "Pulumi.staging.yaml",
    [
        "# Staging: AWS in Ireland, small, one or two tasks.",
        "config:",
        `  ${newName}:cloud: aws`,
        `  ${newName}:minInstances: "1"`,
        `  ${newName}:maxInstances: "2"`,
        `  ${newName}:protect: "false"`,
        `  ${newName}:database: postgres`,
        "  aws:region: eu-west-1",
        "",
    ].join("\n"),
);
JS
git --no-pager diff --stat >&2

status=0
for stack in $(ls Pulumi.*.yaml | sed -n 's/^Pulumi\.\(.*\)\.yaml$/\1/p' | grep -v '^yaml$'); do
    if node -r sucrase/register/ts scripts/plan.ts "$stack" >/dev/null 2>"$work/plan-$stack.err"; then
        log "plan $stack: renders and passes preflight"
    else
        log "plan $stack: FAILED"; cat "$work/plan-$stack.err" >&2; status=1
    fi
done

log "npm test in the fork"
npm test || status=$?
[ "$status" -eq 0 ] && log "passed: the suite does not depend on the stack files or the project name" || log "FAILED"
exit "$status"
