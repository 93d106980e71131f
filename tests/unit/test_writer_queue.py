"""SQLite writers of one process take their turns in the order they asked (persistence.database.FifoLock)."""

from __future__ import annotations

import threading
import time

from persistence.database import FifoLock, make_engine, writer_queue


def test_writers_are_served_first_come_first_served() -> None:
    lock = FifoLock()
    order: list[int] = []
    lock.acquire()
    threads = []
    for n in range(8):
        thread = threading.Thread(target=_take, args=(lock, n, order))
        thread.start()
        threads.append(thread)
        time.sleep(0.02)  # each asks after the one before
    lock.release()
    for thread in threads:
        thread.join()
    assert order == list(range(8))


def test_a_writer_that_gives_up_leaves_the_queue() -> None:
    lock = FifoLock()
    lock.acquire()
    assert lock.acquire(timeout=0.01) is False
    lock.release()
    assert lock.acquire(timeout=0.01) is True
    lock.release()


def test_only_sqlite_writers_queue_in_the_process() -> None:
    assert isinstance(writer_queue(make_engine("sqlite://")), FifoLock)
    assert writer_queue(make_engine("postgresql://127.0.0.1/none")) is None


def _take(lock: FifoLock, n: int, order: list[int]) -> None:
    lock.acquire()
    order.append(n)
    time.sleep(0.001)
    lock.release()
