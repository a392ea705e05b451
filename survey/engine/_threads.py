"""The engine's two worker threads, for the numpy and scipy calls that release the GIL
(value sorts of the quantiles, the sparse products of the cell totals).

One pool for the process, made on first use: starting threads at every call costs more
than a small workload's whole pass. A forked child (the report forks its estimation
child) gets a pool of its own, since the parent's threads do not exist in it.
"""

from __future__ import annotations

import os

_POOL = None
_PID = None


def workers() -> int:
    """Threads worth using here: two, or one on a single-core machine."""
    return min(2, os.cpu_count() or 1)


def pool():
    """The process's :class:`concurrent.futures.ThreadPoolExecutor` of :func:`workers`
    threads."""
    global _POOL, _PID
    if _POOL is None or _PID != os.getpid():
        from concurrent.futures import ThreadPoolExecutor

        _POOL = ThreadPoolExecutor(max_workers=workers(), thread_name_prefix="survey-engine")
        _PID = os.getpid()
    return _POOL


def map_all(fn, items) -> list:
    """``[fn(x) for x in items]``, on the pool's threads when there are two (``fn`` should
    spend its time in calls that release the GIL), in this thread otherwise."""
    if workers() < 2:
        return [fn(x) for x in items]
    return list(pool().map(fn, items))
