"""The answers an open desk has given, kept until it closes (:class:`Memo`).

A desk answers from the data as it was when it opened, so the same question always gets the
same answer: the memo keeps each answer (a bounded number, least recently asked dropped first)
and hands out a copy, so a caller that changes what it got changes nothing for the next one.

Several threads asking the same question at once compute it once: the first computes, the
others wait for its answer (or its error, which is not kept). At most ``workers`` different
questions are computed at the same time; the rest wait their turn — twenty threads each
building a large log's answers at once on two cores finish later than taking turns would, and
need twenty times the memory.

A question is a method's name, the desk's scope and default log, and the arguments; arguments
that cannot be a key (a DataFrame, a file whose content may change) are asked afresh each time.
"""

from __future__ import annotations

import copy
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from datetime import date, datetime
from pathlib import PurePath
from typing import Any, TypeVar

T = TypeVar("T")

CAPACITY = 512
"""Answers kept per opened store (least recently asked dropped first)."""


def default_workers() -> int:
    """Questions computed at once: the machine's cores, at least two."""
    return max(2, os.cpu_count() or 2)


class Unkeyable(Exception):  # noqa: N818 (a signal, not an error a user sees)
    """An argument that cannot be part of a key."""


def freeze(value: Any) -> Any:
    """``value`` as a hashable key part; :class:`Unkeyable` when it cannot be one."""
    if value is None or isinstance(value, str | int | float | bool | bytes):
        return (type(value).__name__, value)
    if isinstance(value, datetime | date):
        return (type(value).__name__, value.isoformat())
    if isinstance(value, PurePath):
        raise Unkeyable  # a file's content may change between two questions
    if isinstance(value, Mapping):
        return ("map", tuple(sorted((str(k), freeze(v)) for k, v in value.items())))
    if isinstance(value, list | tuple):
        return ("seq", tuple(freeze(v) for v in value))
    if isinstance(value, set | frozenset):
        return ("set", tuple(sorted(repr(freeze(v)) for v in value)))
    key = getattr(value, "key", None)
    if callable(key):  # a scope
        return ("obj", type(value).__name__, freeze(key()))
    raise Unkeyable


class Memo:
    """Answers kept by question (see the module's docstring)."""

    def __init__(self, capacity: int = CAPACITY, workers: int | None = None) -> None:
        self.capacity = capacity
        self._done: OrderedDict[Any, Any] = OrderedDict()
        self._running: dict[Any, Future[Any]] = {}
        self._lock = threading.Lock()
        self._turns = threading.BoundedSemaphore(workers or default_workers())
        self._local = threading.local()
        self.computed = 0
        """How many answers were computed (the rest came from the memo or a running question)."""

    def answer(self, key: Any, compute: Callable[[], T]) -> T:
        """The answer to question ``key``: kept, being computed by another thread, or computed
        now by ``compute`` (in turn with other questions).

        A question asked while computing another (a desk method calling another) takes no new
        turn and never waits for another thread: it computes what it needs itself when another
        thread is already at it, so threads holding turns never wait on each other."""
        inner = getattr(self._local, "depth", 0) > 0
        with self._lock:
            if key in self._done:
                self._done.move_to_end(key)
                kept: T = self._done[key]
                return _copy(kept)
            running = self._running.get(key)
            if running is None:
                mine: Future[Any] = Future()
                self._running[key] = mine
        if running is not None:
            if inner:
                return self._compute(compute)
            given: T = running.result()
            return _copy(given)
        try:
            if inner:
                value = self._compute(compute)
            else:
                with self._turns:
                    value = self._compute(compute)
        except BaseException as exc:
            with self._lock:
                del self._running[key]
            mine.set_exception(exc)
            raise
        with self._lock:
            self.computed += 1
            self._done[key] = value
            while len(self._done) > self.capacity:
                self._done.popitem(last=False)
            del self._running[key]
        mine.set_result(value)
        return _copy(value)

    def _compute(self, compute: Callable[[], T]) -> T:
        self._local.depth = getattr(self._local, "depth", 0) + 1
        try:
            return compute()
        finally:
            self._local.depth -= 1


def _copy(value: T) -> T:
    if value is None or isinstance(value, str | int | float | bool | bytes):
        return value
    return copy.deepcopy(value)
