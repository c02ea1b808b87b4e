"""A loopback TCP proxy to PostgreSQL that holds every chunk for a fixed time in each direction,
as a network hop between the app and the database would (a thread per direction: time.sleep
is precise to tens of microseconds, where an event loop's timers round to a millisecond)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time

from bench.load import HOST


class DelayProxy:
    def __init__(self, upstream_socket: str, delay_seconds: float) -> None:
        self._upstream = upstream_socket
        self._delay = delay_seconds
        self._listener = socket.create_server((HOST, 0))
        self.port = self._listener.getsockname()[1]
        self._open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                client, _ = self._listener.accept()
                client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                server = socket.socket(socket.AF_UNIX)
                server.connect(self._upstream)
                self._open += [client, server]
                for source, sink in ((client, server), (server, client)):
                    threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while chunk := source.recv(65536):
                time.sleep(self._delay)
                sink.sendall(chunk)
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._listener.close()
        for end in self._open:
            with contextlib.suppress(OSError):
                end.close()
