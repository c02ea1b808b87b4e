"""Deferred work: done after the answer on the server's thread, inline in tests; a failure is a
log line, never the caller's exception; a full queue drops with a log line instead of blocking."""

import threading

from structlog.testing import capture_logs

from adapters.deferred import InlineDeferred, ThreadDeferred


def test_work_runs_on_the_background_thread_in_order():
    deferred, seen = ThreadDeferred(), []
    for n in range(5):
        deferred.run(lambda n=n: seen.append((n, threading.current_thread().name)), name="t")
    deferred.join()
    assert seen == [(n, "groundwork-deferred") for n in range(5)]


def test_a_failure_is_logged_and_the_thread_goes_on():
    deferred, seen = ThreadDeferred(), []
    with capture_logs() as logs:
        deferred.run(lambda: 1 / 0, name="breaks")
        deferred.run(lambda: seen.append("after"), name="works")
        deferred.join()
    assert seen == ["after"]
    assert [(e["event"], e["task"], e["error_type"]) for e in logs] == [
        ("deferred_failed", "breaks", "ZeroDivisionError")]


def test_a_full_queue_drops_the_work_with_a_log_line_rather_than_block():
    deferred, gate = ThreadDeferred(capacity=1), threading.Event()
    with capture_logs() as logs:
        deferred.run(gate.wait, name="holds the thread")
        while deferred._queue.qsize():  # the thread has taken it, and waits
            threading.Event().wait(0.01)
        deferred.run(lambda: None, name="fills the queue")
        deferred.run(lambda: None, name="one too many")
        gate.set()
        deferred.join()
    assert [(e["event"], e["task"]) for e in logs] == [("deferred_dropped", "one too many")]


def test_inline_work_is_done_before_run_returns_and_never_raises():
    seen = []
    with capture_logs() as logs:
        InlineDeferred().run(lambda: seen.append(1), name="now")
        InlineDeferred().run(lambda: 1 / 0, name="breaks")
    assert seen == [1] and logs[0]["event"] == "deferred_failed"
