"""The solver workers a planning job forks end on SIGTERM whatever handler the server installed.

The solver's pool stops its workers with SIGTERM; a worker that inherited a
Python-level handler (``odekake serve``'s clean stop, huey's in ``odekake
worker``) could swallow it inside OR-Tools' callbacks and block the pool, and
the job, for ever.
"""

from __future__ import annotations

import multiprocessing
import signal
import threading


def _report_sigterm(conn) -> None:
    conn.send(signal.getsignal(signal.SIGTERM) == signal.SIG_DFL)


def test_processes_forked_by_the_job_consumer_get_sigterm_default(app):
    from webapp.job_queue import create_consumer

    create_consumer(app, embedded=True)  # not started: creating it sets the rule for forks
    before = signal.signal(signal.SIGTERM, lambda *_: None)  # as `odekake serve` does
    try:
        seen = []

        def fork_from_a_job_thread():
            ctx = multiprocessing.get_context("fork")
            parent, child = ctx.Pipe()
            worker = ctx.Process(target=_report_sigterm, args=(child,))
            worker.start()
            seen.append(parent.recv())
            worker.join(10)

        thread = threading.Thread(target=fork_from_a_job_thread)
        thread.start()
        thread.join(20)
        assert seen == [True]
    finally:
        signal.signal(signal.SIGTERM, before)
