#!/usr/bin/env bash
# `npm test`: the type-check (tsc --noEmit) and the mocha suite, side by side
# on two cores. Fails if either fails; the type-check's output is printed
# after mocha's so the two never interleave. Arguments go to mocha.
set -uo pipefail
cd "$(dirname "$0")/.."
bin=node_modules/.bin

tsc_log="$(mktemp "${TMPDIR:-/tmp}/tsc.XXXXXX")"
trap 'rm -f "$tsc_log"' EXIT
"$bin/tsc" --noEmit >"$tsc_log" 2>&1 &
tsc_pid=$!

"$bin/mocha" "$@"
mocha_rc=$?

wait "$tsc_pid"
tsc_rc=$?
if [ "$tsc_rc" -ne 0 ]; then
    echo "type-check (tsc --noEmit) failed:" >&2
    cat "$tsc_log" >&2
else
    echo "type-check (tsc --noEmit): no errors"
fi
[ "$mocha_rc" -eq 0 ] && [ "$tsc_rc" -eq 0 ]
