"""The one thing that makes /healthz fail: database credentials that have gone stale.

On AWS, RDS keeps the master password in Secrets Manager and rotates it every
7 days; ECS injects DB_PASSWORD once, when a task starts. After a rotation,
sessions already open keep working, but every new connection from a running
task is refused, and nothing in the task can get the new password: only a new
task can. Restarting on a dependency problem is otherwise wrong (/healthz
checks no dependency, so an outage never restarts healthy instances), but here
the fault is in the process itself, so it reports itself not live and the
platform replaces it. Only the server's rejection of the credentials counts,
never a refused connection or a timeout, and only when it persists: at least
`threshold` rejections in a row, spread over at least `min_seconds`, so a
one-off cannot make instances flap. Any successful connection starts over.

The count is kept in memory shared by all of gunicorn's workers (mapped before
they are forked, since the app is preloaded), so every worker answers /healthz
the same way and the platform's consecutive-failure count is not diluted by a
worker that has not tried to connect yet.
"""

from __future__ import annotations

import logging
import mmap
import struct
import threading
import time
from typing import Any, Callable, Dict, Optional

log = logging.getLogger(__name__)

# rejections in a row, monotonic time of the first and the latest, logged flag
_LAYOUT = struct.Struct("=qddq")


class CredentialsWatch:
    """Consecutive rejections of the database credentials, for /healthz.

    Reads and writes are a few bytes of shared memory, no I/O. Updates from
    different processes are not locked against each other: the only race is
    two rejections at the same instant, which can lose one count and delay the
    verdict by one more attempt.
    """

    def __init__(self, threshold: int, min_seconds: float, clock: Callable[[], float] = time.monotonic):
        self.threshold = threshold
        self.min_seconds = min_seconds
        self._clock = clock  # CLOCK_MONOTONIC: one clock for all processes on the host
        self._lock = threading.Lock()  # within one process
        # Anonymous and MAP_SHARED: inherited, still shared, by forked workers.
        self._shared = mmap.mmap(-1, _LAYOUT.size) if threshold > 0 else None

    def _read(self):
        return _LAYOUT.unpack_from(self._shared, 0)

    def _write(self, count: int, first: float, latest: float, logged: int) -> None:
        _LAYOUT.pack_into(self._shared, 0, count, first, latest, logged)

    def rejected(self, detail: str, description: str) -> None:
        """The server refused the credentials. `detail` is the server's message
        (it never holds the password); `description` names the target."""
        if self._shared is None:
            return
        now = self._clock()
        with self._lock:
            count, first, _, logged = self._read()
            count, first = (count + 1, first) if count else (1, now)
            tripped = self._tripped(count, first, now)
            self._write(count, first, now, 1 if (logged or tripped) else 0)
        if tripped and not logged:
            log.error(
                "database rejected this instance's credentials %d times in a row over %.0f s (%s): "
                "answering 503 on /healthz so the platform replaces this instance; "
                "a new one starts with the current password",
                count, now - first, detail,
                extra={"dependency": "database", "reason": "credentials_rejected",
                       "failures": count, "database": description},
            )

    def accepted(self) -> None:
        """A connection succeeded: whatever was counted is forgotten."""
        if self._shared is None:
            return
        with self._lock:
            count, _, _, logged = self._read()
            if count == 0:
                return
            self._write(0, 0.0, 0.0, 0)
        if logged:
            log.info("database accepts this instance's credentials again; /healthz answers 200")

    def verdict(self) -> Optional[Dict[str, Any]]:
        """None while live; otherwise what /healthz reports."""
        if self._shared is None:
            return None
        count, first, latest, _ = self._read()
        if not self._tripped(count, first, latest):
            return None
        return {"dependency": "database", "consecutive_failures": count,
                "seconds_since_first": round(self._clock() - first, 1)}

    def _tripped(self, count: int, first: float, latest: float) -> bool:
        return count >= self.threshold and latest - first >= self.min_seconds
