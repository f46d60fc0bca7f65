"""JSON log lines on stdout, for the app and for gunicorn alike.

Both platforms collect stdout and parse one JSON object per line into
structured fields (CloudWatch Logs Insights, Cloud Logging's jsonPayload).
Every line written while a request is handled carries that request's id.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import traceback

from flask import g, has_request_context

_STDOUT_HANDLER_NAME = "json-stdout"
# Attributes every LogRecord has; anything else came in through `extra=`.
_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def current_request_id():
    if has_request_context():
        return getattr(g, "request_id", None)
    return None


class JsonFormatter(logging.Formatter):
    # Cloud Logging reads `severity`; CloudWatch takes any field.
    _SEVERITY = {"WARNING": "WARNING", "WARN": "WARNING", "CRITICAL": "CRITICAL"}

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "severity": self._SEVERITY.get(record.levelname, record.levelname),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _RESERVED and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        return json.dumps(entry, default=str, ensure_ascii=False)


def stdout_handler() -> logging.Handler:
    handler = logging.StreamHandler(sys.stdout)
    handler.set_name(_STDOUT_HANDLER_NAME)
    handler.setFormatter(JsonFormatter())
    return handler


def configure_logging(level: str) -> None:
    """Send the root logger to stdout as JSON. Safe to call more than once."""
    root = logging.getLogger()
    root.setLevel(level)
    if not any(h.get_name() == _STDOUT_HANDLER_NAME for h in root.handlers):
        root.addHandler(stdout_handler())
