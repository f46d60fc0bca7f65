"""Redis access through one lazily created connection pool per process.

redis-py connects on the first command, and before handing out a pooled
connection it checks that the server has not closed it, reconnecting if so;
a Redis that restarts is therefore picked up on the next request.
"""

from __future__ import annotations

import os
import threading
from typing import Optional

import redis

from .config import RedisSettings
from .errors import DependencyUnavailable, NotConfigured

NOT_CONFIGURED_HOW = "set REDIS_URL, or REDIS_HOST (with REDIS_PORT, REDIS_PASSWORD, REDIS_TLS)"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


class Cache:
    def __init__(self, settings: Optional[RedisSettings], key_prefix: str):
        self.settings = settings
        self.key_prefix = key_prefix
        self._lock = threading.Lock()
        self._client: Optional[redis.Redis] = None
        self._client_pid: Optional[int] = None

    @property
    def configured(self) -> bool:
        return self.settings is not None

    def _get_client(self) -> redis.Redis:
        if self.settings is None:
            raise NotConfigured("redis", NOT_CONFIGURED_HOW)
        pid = os.getpid()
        if self._client is not None and self._client_pid == pid:
            return self._client
        with self._lock:
            if self._client is None or self._client_pid != pid:
                s = self.settings
                url = s.url
                if s.tls and url.startswith("redis://"):
                    url = "rediss://" + url[len("redis://"):]
                options = dict(
                    socket_connect_timeout=s.timeout_seconds,
                    socket_timeout=s.timeout_seconds,
                    # A connection idle this long is PINGed before reuse.
                    health_check_interval=30,
                )
                if s.password:
                    options["password"] = s.password
                if s.tls:
                    # Verify the server's certificate chain: against the system
                    # CA store, or the CA given in REDIS_TLS_CA_FILE or, as PEM
                    # text, REDIS_TLS_CA_CERT (Memorystore's per-instance server
                    # CA is in no system store, and Cloud Run passes it as text).
                    options["ssl_cert_reqs"] = "required"
                    if s.tls_ca_file:
                        options["ssl_ca_certs"] = s.tls_ca_file
                    elif s.tls_ca_cert:
                        options["ssl_ca_data"] = s.tls_ca_cert
                pool = redis.ConnectionPool.from_url(url, **options)
                self._client, self._client_pid = redis.Redis(connection_pool=pool), pid
        return self._client

    def _call(self, command):
        try:
            return command(self._get_client())
        except redis.TimeoutError as exc:
            raise DependencyUnavailable("redis", "timeout", _first_line(exc)) from exc
        except (redis.ConnectionError, OSError) as exc:
            raise DependencyUnavailable("redis", "connection_failed", _first_line(exc)) from exc
        except redis.RedisError as exc:
            raise DependencyUnavailable("redis", "error", _first_line(exc)) from exc

    def ping(self) -> None:
        self._call(lambda client: client.ping())

    def increment(self, name: str) -> int:
        return int(self._call(lambda client: client.incr(f"{self.key_prefix}:{name}")))

    def close(self) -> None:
        with self._lock:
            if self._client is not None and self._client_pid == os.getpid():
                self._client.connection_pool.disconnect()
            self._client = None
