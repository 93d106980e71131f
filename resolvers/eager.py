"""Coroutines run as far as they go without waiting, instead of as Tasks.

Most awaitables of a request finish at once: a primed DataLoader, a caller already looked up, a read
on the event loop (SQLite). Run as a Task, each costs a Task, a trip round the event loop and, where
several wait for it, a shield per waiter. Run eagerly, one that finishes at once costs none of that;
one that waits goes on as a Task would (`_resume`), from where it stopped.
"""

from __future__ import annotations

import asyncio
from typing import Any


def eagerly(value: Any) -> Any:
    """An awaitable run as far as it goes without waiting: its result when it finished (a primed
    DataLoader, the caller already looked up), else an awaitable of the rest. Most of a query's
    awaitables finish at once, and then cost no Task, no gather and no trip round the event loop."""
    if isinstance(value, asyncio.Future):
        return value.result() if value.done() else value
    if not asyncio.iscoroutine(value):
        return value
    finished, found = _advance(value, None)
    return found if finished else _resume(value, found)


def _advance(coroutine: Any, error: BaseException | None) -> tuple[bool, Any]:
    """One step of a coroutine (with `error` thrown in, if any): (True, its result) when it
    finished, else (False, the future it now waits for, or None for a bare yield)."""
    try:
        waiting = coroutine.send(None) if error is None else coroutine.throw(error)
    except StopIteration as finished:
        return True, finished.value
    if waiting is not None:
        # What a Task does at once with a future its coroutine yields: without it, the next
        # coroutine to wait on the same future (two fields on one DataLoader key) fails at once.
        waiting._asyncio_future_blocking = False
    return False, waiting


async def _resume(coroutine: Any, waiting: Any) -> Any:
    """Drive a coroutine that `eagerly` started, as a Task would: each future it yields is awaited
    here, then the coroutine goes on (and meets the future's result or exception itself)."""
    while True:
        error: BaseException | None = None
        try:
            if waiting is None:
                await asyncio.sleep(0)
            else:
                await waiting
        except BaseException as raised:
            if waiting is None or not waiting.done():  # this task is being cancelled: pass it on
                error = raised
        finished, found = _advance(coroutine, error)
        if finished:
            return found
        waiting = found


def started(coroutine: Any) -> asyncio.Future[Any]:
    """The coroutine, run eagerly: a finished future when it finished (or failed) without waiting,
    else a Task that goes on from where it stopped."""
    loop = asyncio.get_running_loop()
    try:
        finished, found = _advance(coroutine, None)
    except Exception as error:  # failed at once: kept, like a Task keeps its exception
        failed = loop.create_future()
        failed.set_exception(error)
        return failed
    if finished:
        done = loop.create_future()
        done.set_result(found)
        return done
    return asyncio.ensure_future(_resume(coroutine, found))
