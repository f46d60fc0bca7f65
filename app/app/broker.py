"""The job queue: kombu over Redis.

kombu is Celery's own messaging library (Celery itself cannot be installed
from this project's package index: two of its dependencies are missing). It
gives what a worker needs and nothing of Celery's task framework: a durable
queue in Redis, acknowledgement after the work is done (an unacknowledged
message goes back to the queue), and a consumer loop that reconnects. Messages
carry only `{"job_id": N}`; the job itself, with its status, is a row in the
`jobs` table, so a message lost with Redis loses no record of the job.

Like everything else here it connects on first use, never at import.
"""

from __future__ import annotations

import os
import ssl
import threading
from typing import Optional

from kombu import Connection, Queue
from kombu.pools import ProducerPool

from .cli import first_line
from .config import RedisSettings
from .errors import DependencyUnavailable, NotConfigured

# Messages not acknowledged within this long (a worker killed mid-job) are
# delivered again. Jobs are idempotent (worker.py), so a redelivery is safe.
VISIBILITY_TIMEOUT_SECONDS = 600
# A publish that cannot reach Redis gives up after this many retries; the
# request then answers at once that the job was not queued.
PUBLISH_RETRIES = 1
# Producers (and Redis connections) per process: one per gunicorn thread is plenty.
PRODUCERS = 8


def queue_name(app_name: str) -> str:
    """The queue's name in Redis; the web process and the worker must run
    with the same APP_NAME to meet on it."""
    return f"{app_name}.jobs"


class Broker:
    def __init__(self, settings: Optional[RedisSettings], app_name: str):
        self.settings = settings
        name = queue_name(app_name)
        # On the default exchange: a message goes straight onto the queue's
        # list in Redis, with no routing table that a Redis restart without
        # persistence would erase (kombu would then drop the message).
        self.queue = Queue(name, routing_key=name, durable=True)
        self._lock = threading.Lock()
        self._connection: Optional[Connection] = None
        self._producers: Optional[ProducerPool] = None
        self._pid: Optional[int] = None

    @property
    def configured(self) -> bool:
        return self.settings is not None

    def connect(self, socket_timeout: Optional[float] = None) -> Connection:
        """A new kombu connection (not yet connected) with the same address,
        password and TLS settings as the cache (config.py)."""
        if self.settings is None:
            raise NotConfigured("redis", "set REDIS_URL, or REDIS_HOST (with REDIS_PORT, REDIS_PASSWORD, REDIS_TLS)")
        s = self.settings
        url = s.url
        for prefix, replacement in (("rediss://", "redis://"), ("unix://", "redis+socket://")):
            if url.startswith(prefix):
                url = replacement + url[len(prefix):]
        tls = None
        if s.tls:
            # As cache.py: the chain is verified, against REDIS_TLS_CA_FILE or
            # REDIS_TLS_CA_CERT when given, else the system store.
            tls = {"ssl_cert_reqs": ssl.CERT_REQUIRED}
            if s.tls_ca_file:
                tls["ssl_ca_certs"] = s.tls_ca_file
            elif s.tls_ca_cert:
                tls["ssl_ca_data"] = s.tls_ca_cert
        timeout = s.timeout_seconds if socket_timeout is None else socket_timeout
        return Connection(
            url,
            password=s.password,  # used only when the URL has none
            ssl=tls or False,
            connect_timeout=s.timeout_seconds,
            transport_options={
                "socket_connect_timeout": s.timeout_seconds,
                "socket_timeout": timeout,
                "visibility_timeout": VISIBILITY_TIMEOUT_SECONDS,
                "health_check_interval": 30,
            },
        )

    def _producer_pool(self) -> ProducerPool:
        # One per process (the app is loaded before gunicorn forks), of its
        # own: kombu's global pools are keyed by URL, and survive close().
        pid = os.getpid()
        if self._producers is None or self._pid != pid:
            with self._lock:
                if self._producers is None or self._pid != pid:
                    self._connection = self.connect()
                    self._producers = ProducerPool(self._connection.Pool(limit=PRODUCERS), limit=PRODUCERS)
                    self._pid = pid
        return self._producers

    def publish(self, job_id: int) -> None:
        """Put a job on the queue, or raise DependencyUnavailable.
        Thread-safe: each publish borrows a producer from kombu's pool."""
        pool = self._producer_pool()
        try:
            with pool.acquire(block=True, timeout=self.settings.timeout_seconds * 2) as producer:
                producer.publish(
                    {"job_id": job_id},
                    exchange="",
                    routing_key=self.queue.routing_key,
                    serializer="json",
                    delivery_mode="persistent",
                    retry=True,
                    retry_policy={"max_retries": PUBLISH_RETRIES, "interval_start": 0,
                                  "interval_step": 0.2, "interval_max": 0.2},
                )
        except Exception as exc:  # kombu raises its own and the transport's errors alike
            raise DependencyUnavailable("redis", "connection_failed", first_line(exc)) from exc

    def close(self) -> None:
        with self._lock:
            if self._producers is not None and self._pid == os.getpid():
                self._producers.force_close_all()
                self._connection.release()
            self._producers = self._connection = None
