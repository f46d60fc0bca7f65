#!/usr/bin/env bash
# How fast the infrastructure checks are, as a user runs them: `npm test`
# (type-check and mocha side by side) and `npm run plan -- <stack>` for every
# stack file, each run several times; prints the median and every run as
# markdown. The machine's core count and load are printed too: figures from a
# busy machine are not comparable.
#
#   scripts/bench-suite.sh [runs] > scripts/bench-suite.results.md    # default 5 runs
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"

seconds() { # command... -> wall seconds, command output discarded; fails if the command fails
    local start end
    start=$(date +%s.%N)
    "$@" >/dev/null 2>&1
    end=$(date +%s.%N)
    awk -v a="$start" -v b="$end" 'BEGIN { print b - a }'
}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
row() { # label, times...
    local label="$1"; shift
    printf '| %s | %.1f s | %s |\n' "$label" "$(median "$@")" "$(printf '%.1f ' "$@")"
}

echo "# Infrastructure check timings"
echo
echo "Command: \`scripts/bench-suite.sh $runs\` on $(date -u +%Y-%m-%d), $(nproc) cores, $(node --version), load average before: $(cut -d' ' -f1-3 /proc/loadavg)."
echo
echo "| Command | Median | Runs |"
echo "| --- | --- | --- |"
npm test >/dev/null 2>&1 # warm the file cache once, uncounted
times=()
for _ in $(seq "$runs"); do times+=("$(seconds npm test)"); done
row "npm test (tsc --noEmit + mocha)" "${times[@]}"
for stack in $(ls Pulumi.*.yaml | sed -n 's/^Pulumi\.\(.*\)\.yaml$/\1/p'); do
    times=()
    for _ in $(seq "$runs"); do times+=("$(seconds npm run --silent plan -- "$stack")"); done
    row "npm run plan -- $stack" "${times[@]}"
done
echo
echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg)."
