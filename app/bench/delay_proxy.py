"""A TCP proxy on loopback that delays every byte by a fixed one-way time in
each direction: a stand-in for `tc qdisc ... netem delay`, for kernels
without sch_netem (see RESULTS.md). Used by bench.py only.

    delay_proxy.py --delay-ms 1 --stats FILE [--max-seconds N] LISTEN_PORT:TARGET_PORT [...]

Each chunk read from one side is written to the other side `delay` seconds
after it was read, in order (timers on a timerfd, not rounded to whole
milliseconds as asyncio's own are); a request and its answer thus gain 2 x delay,
however they are split into segments. A new connection to the target is
opened one round trip (2 x delay) after the client's, standing in for the
TCP handshake. Not modelled: bandwidth, loss, jitter, and the delay of bare
TCP ACKs (they never reach user space).

On SIGUSR1 the proxy writes to FILE, as JSON, how late its timers fired
since the previous SIGUSR1 (so the effective one-way delay is delay + that)
and how many chunks it forwarded; then starts counting again.
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import heapq
import itertools
import json
import os
import signal
import socket
import time

LATE_BUCKET_US = 10  # histogram resolution for timer lateness
HIGH_WATER = 1 << 20


class Stats:
    def __init__(self):
        self.reset()

    def reset(self):
        self.chunks = 0
        self.bytes = 0
        self.late = {}  # lateness bucket (LATE_BUCKET_US units) -> count

    def record(self, late_s, size):
        self.chunks += 1
        self.bytes += size
        bucket = max(0, int(late_s * 1e6 // LATE_BUCKET_US))
        self.late[bucket] = self.late.get(bucket, 0) + 1

    def quantile(self, q):
        if not self.chunks:
            return None
        rank, seen = q * (self.chunks - 1), 0
        for bucket in sorted(self.late):
            seen += self.late[bucket]
            if seen > rank:
                return (bucket + 1) * LATE_BUCKET_US / 1000.0  # upper edge, ms
        return None

    def dump(self, path):
        data = {"chunks": self.chunks, "bytes": self.bytes,
                "late_p50_ms": self.quantile(0.5), "late_p99_ms": self.quantile(0.99),
                "late_max_ms": self.quantile(1.0)}
        tmp = f"{path}.tmp"
        with open(tmp, "w") as f:
            json.dump(data, f)
        os.replace(tmp, path)
        self.reset()


class _Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


class _Itimerspec(ctypes.Structure):
    _fields_ = [("it_interval", _Timespec), ("it_value", _Timespec)]


class Timers:
    """Callbacks at absolute CLOCK_MONOTONIC times (= loop.time()), woken by a
    timerfd. asyncio's own timers wake through epoll_wait, whose timeout is
    in whole milliseconds (rounded up), so they fire up to a millisecond late."""

    CLOCK_MONOTONIC, TFD_NONBLOCK, TFD_CLOEXEC, TFD_TIMER_ABSTIME = 1, 0o4000, 0o2000000, 1

    def __init__(self, loop):
        self.loop = loop
        self.heap = []
        self.seq = itertools.count()
        self.armed = None
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.fd = self.libc.timerfd_create(self.CLOCK_MONOTONIC, self.TFD_NONBLOCK | self.TFD_CLOEXEC)
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), "timerfd_create")
        loop.add_reader(self.fd, self._fire)

    def call_at(self, when, fn, *args):
        heapq.heappush(self.heap, (when, next(self.seq), fn, args))
        if self.armed is None or when < self.armed:
            self._arm(when)

    def _arm(self, when):
        spec = _Itimerspec()
        sec = int(when)
        spec.it_value.tv_sec, spec.it_value.tv_nsec = sec, max(1, int((when - sec) * 1e9))
        if self.libc.timerfd_settime(self.fd, self.TFD_TIMER_ABSTIME, ctypes.byref(spec), None) != 0:
            raise OSError(ctypes.get_errno(), "timerfd_settime")
        self.armed = when

    def _fire(self):
        try:
            os.read(self.fd, 8)
        except BlockingIOError:
            pass
        self.armed = None
        now = time.monotonic()
        while self.heap and self.heap[0][0] <= now:
            _, _, fn, args = heapq.heappop(self.heap)
            fn(*args)
            now = time.monotonic()
        if self.heap:
            self._arm(self.heap[0][0])


class Side(asyncio.Protocol):
    """One TCP connection; `peer` is the Side on the other connection."""

    def __init__(self, proxy, peer=None):
        self.proxy = proxy
        self.peer = peer
        self.transport = None
        self.last_due = 0.0
        self.pending = []  # chunks read before the peer was connected
        self.closed = False

    def connection_made(self, transport):
        self.transport = transport
        transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        transport.set_write_buffer_limits(high=HIGH_WATER)

    def data_received(self, data):
        loop = self.proxy.loop
        # Due times never decrease, and ties keep their order in the heap.
        due = max(loop.time() + self.proxy.delay, self.last_due)
        self.last_due = due
        self.proxy.timers.call_at(due, self._forward, due, data)

    def _forward(self, due, data):
        self.proxy.stats.record(self.proxy.loop.time() - due, len(data))
        if self.peer is None or self.peer.transport is None:
            self.pending.append(data)
        elif not self.peer.closed:
            self.peer.transport.write(data)

    def eof_received(self):
        self.last_due = max(self.proxy.loop.time() + self.proxy.delay, self.last_due)
        self.proxy.timers.call_at(self.last_due, self._close_peer)
        return True

    def _close_peer(self):
        if self.peer is not None and self.peer.transport is not None:
            self.peer.close()

    def connection_lost(self, exc):
        self.closed = True
        self.proxy.timers.call_at(max(self.proxy.loop.time() + self.proxy.delay, self.last_due),
                                  self._close_peer)

    def close(self):
        if not self.closed:
            self.closed = True
            self.transport.close()

    # Flow control: a slow peer pauses reading on this side.
    def pause_writing(self):
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.pause_reading()

    def resume_writing(self):
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.resume_reading()


class Proxy:
    def __init__(self, loop, delay):
        self.loop = loop
        self.delay = delay
        self.stats = Stats()
        self.timers = Timers(loop)

    def client_factory(self, target_port):
        def make():
            client = Side(self)
            # One round trip for the TCP handshake to the far side, then connect.
            self.timers.call_at(self.loop.time() + 2 * self.delay,
                                lambda: self.loop.create_task(self._connect(client, target_port)))
            return client
        return make

    async def _connect(self, client, target_port):
        if client.closed:
            return
        try:
            _, upstream = await self.loop.create_connection(lambda: Side(self, peer=client), "127.0.0.1", target_port)
        except OSError:
            client.close()
            return
        client.peer = upstream
        for data in client.pending:
            upstream.transport.write(data)
        client.pending.clear()
        if client.closed:
            upstream.close()


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--delay-ms", type=float, required=True, help="one-way delay")
    parser.add_argument("--stats", required=True)
    parser.add_argument("--max-seconds", type=float, default=1800, help="exit after this long, whatever happens")
    parser.add_argument("routes", nargs="+", help="LISTEN_PORT:TARGET_PORT, both on 127.0.0.1")
    args = parser.parse_args()
    loop = asyncio.get_running_loop()
    proxy = Proxy(loop, args.delay_ms / 1000.0)
    for route in args.routes:
        listen, target = (int(p) for p in route.split(":"))
        await loop.create_server(proxy.client_factory(target), "127.0.0.1", listen, backlog=512)
    loop.add_signal_handler(signal.SIGUSR1, proxy.stats.dump, args.stats)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    loop.call_later(args.max_seconds, stop.set)
    print("ready", flush=True)
    await stop.wait()


if __name__ == "__main__":
    asyncio.run(main())
