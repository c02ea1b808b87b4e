"""What PostgreSQL actually received: libpq's protocol trace (PQtrace) on every pooled connection.

Each checkout of a connection is one trace; counting the server's messages in it gives the
statements (CommandComplete), the transactions (BEGIN) and the network round trips
(ReadyForQuery: one per Sync or simple Query, however many statements a pipeline carried).
"""

from __future__ import annotations

import tempfile
from collections import Counter

from attrs import define
from psycopg import pq
from sqlalchemy import Engine, event


@define(frozen=True)
class Tally:
    statements: int
    transactions: int
    round_trips: int
    commands: tuple[str, ...]

    @classmethod
    def of(cls, trace: str) -> Tally:
        commands, kinds = [], Counter()
        for line in trace.splitlines():
            fields = line.split("\t")
            if len(fields) < 3 or fields[0] != "B":
                continue
            kind, rest = fields[2], fields[3:] or [""]
            kinds[kind] += 1
            if kind == "CommandComplete":
                commands.append(rest[0].strip().strip('"').split(" ")[0])
        return cls(statements=kinds["CommandComplete"], transactions=commands.count("BEGIN"),
                   round_trips=kinds["ReadyForQuery"], commands=tuple(commands))


class WireTrace:
    """Records one trace per connection checkout on `engine`."""

    def __init__(self, engine: Engine) -> None:
        self.checkouts: list[str] = []
        event.listen(engine, "checkout", self._start)
        event.listen(engine, "checkin", self._stop)

    def _start(self, dbapi_conn, record, proxy) -> None:
        sink = tempfile.TemporaryFile("w+")  # noqa: SIM115 - closed at checkin
        dbapi_conn.pgconn.trace(sink.fileno())
        dbapi_conn.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
        record.info["wire_trace"] = sink

    def _stop(self, dbapi_conn, record) -> None:
        sink = record.info.pop("wire_trace", None)
        if sink is None:
            return
        if dbapi_conn is not None:
            dbapi_conn.pgconn.untrace()  # flushes libpq's buffer
        sink.seek(0)
        self.checkouts.append(sink.read())
        sink.close()

    def clear(self) -> None:
        self.checkouts.clear()

    def tallies(self) -> list[Tally]:
        return [Tally.of(trace) for trace in self.checkouts]
