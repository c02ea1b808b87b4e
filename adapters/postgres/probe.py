from __future__ import annotations

import time

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from application.ports.health import DependencyProbe, ProbeResult


class PostgresProbe(DependencyProbe):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def check(self) -> ProbeResult:
        started = time.perf_counter()
        try:
            with self._engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError as error:
            elapsed = (time.perf_counter() - started) * 1000
            return ProbeResult("database", False, round(elapsed, 2), type(error).__name__)
        return ProbeResult("database", True, round((time.perf_counter() - started) * 1000, 2))
