"""Structured logs (structlog): JSON in production, readable in a terminal; never secrets."""

from __future__ import annotations

import logging
import sys

import structlog

SECRET_KEYS = ("password", "token", "secret", "authorization", "api_key", "cookie")
REDACTED = "[redacted]"


def redact_secrets(_logger, _method, event: dict) -> dict:
    """Blank any field whose name says it holds a secret, however a caller spelled it."""
    for key in list(event):
        if any(marker in key.lower() for marker in SECRET_KEYS):
            event[key] = REDACTED
    return event


def _current_stderr(*_args) -> structlog.PrintLogger:
    """Looks sys.stderr up at each use, so a redirected or replaced stream is honoured."""
    return structlog.PrintLogger(file=sys.stderr)


def configure_logging(level: str = "INFO", fmt: str = "console") -> None:
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        raise ValueError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {level!r}")
    renderer = (structlog.processors.JSONRenderer() if fmt == "json"
                else structlog.dev.ConsoleRenderer(colors=False))
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            redact_secrets,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=_current_stderr,
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(level=max(numeric, logging.WARNING), stream=sys.stderr,
                        format="%(levelname)s %(name)s %(message)s")
