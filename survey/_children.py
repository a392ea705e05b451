"""Work handed to forked child processes (Linux) while the calling process goes on.

:func:`background_writes` opens a block in which :func:`background` and :func:`submit` run
their work in a forked child (at most one per core at once); outside it, or where forking
is not safe, the work is done in the calling process. Nothing here imports matplotlib: the
report pipeline forks its estimation child before it loads the figure libraries.
``survey.plots._common`` re-exports these names (its figure writers use them).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass


def active() -> bool:
    """Whether a :func:`background_writes` block is open (work given to :func:`submit`
    then runs in a forked child)."""
    return _CHILDREN is not None


@dataclass
class _Child:
    """A forked child of :func:`background_writes`: its pipe sends back a pickled
    ``("ok", value)`` or ``("err", exception, traceback)``."""

    pid: int
    read: int
    done: bool = False
    value: object = None
    error: BaseException | None = None


@dataclass
class _Children:
    limit: int
    running: list  # _Child, oldest first


_CHILDREN: _Children | None = None


@contextlib.contextmanager
def background_writes(limit: int | None = None):
    """Within the block, :func:`background` and :func:`submit` hand work to a forked child
    process (Linux), so it is done while the parent goes on (``survey.plots.save_figure``
    draws the figure and writes its PNG and SVG in one, the report pipeline computes its
    estimates in one while it runs the comparisons and loads the figure libraries). At most ``limit`` children run at once (default: one per core). Leaving the
    block waits for every child; a child's exception is raised there (its own type when it
    can be sent back, with the child's traceback as a note; the files it was writing are
    not left half-written: each goes through ``atomic_output``). Without ``os.fork`` on
    Linux (or nested in another such block) the work is done in the calling process, as
    outside the block."""
    global _CHILDREN
    import os
    import sys

    # fork only where it is safe for a process with native libraries loaded (Linux; not
    # macOS, whose frameworks are not fork-safe, nor Windows, which has no fork)
    if _CHILDREN is not None or not hasattr(os, "fork") or not sys.platform.startswith("linux"):
        yield
        return
    _CHILDREN = _Children(limit or max(1, os.cpu_count() or 1), [])
    try:
        yield
    except BaseException:
        _wait(len(_CHILDREN.running), raise_errors=False)
        raise
    else:
        _wait(len(_CHILDREN.running))
    finally:
        _CHILDREN = None


def _background(work, returns: bool = False) -> _Child | None:
    """Run ``work()`` in a forked child when inside :func:`background_writes` (else
    ``None``: the caller does the work). ``returns``: send its value back."""
    import os
    import pickle
    import sys
    import traceback

    if _CHILDREN is None:
        return None
    if len(_CHILDREN.running) >= _CHILDREN.limit:
        _wait(1)
    sys.stdout.flush()
    sys.stderr.flush()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: do the work, send the outcome through the pipe, exit
        code = 1
        try:
            os.close(read)
            value = work()
            blob = pickle.dumps(("ok", value if returns else None))
            code = 0
        except BaseException as exc:
            tb = traceback.format_exc()[-20000:]
            try:
                blob = pickle.dumps(("err", exc, tb))
            except Exception:
                blob = pickle.dumps(("err", None, tb))
        with contextlib.suppress(BaseException), os.fdopen(write, "wb") as fh:
            fh.write(blob)
        os._exit(code)
    os.close(write)
    child = _Child(pid, read)
    _CHILDREN.running.append(child)
    return child


def _reap(child: _Child) -> None:
    """Read ``child``'s outcome and wait for it to exit."""
    import os
    import pickle

    chunks = []
    while chunk := os.read(child.read, 1 << 20):
        chunks.append(chunk)
    os.close(child.read)
    _, status = os.waitpid(child.pid, 0)
    child.done = True
    outcome = None
    with contextlib.suppress(Exception):
        outcome = pickle.loads(b"".join(chunks))
    if os.waitstatus_to_exitcode(status) == 0 and outcome and outcome[0] == "ok":
        child.value = outcome[1]
        return
    exc, tb = (outcome[1], outcome[2]) if outcome else (None, f"exit status {status}")
    if not isinstance(exc, BaseException):
        exc = RuntimeError("a background writer failed")
    exc.add_note("in a background writer (forked child):\n" + tb)
    child.error = exc


def _wait(k: int, raise_errors: bool = True) -> None:
    """Wait for the ``k`` oldest children; re-raise the first failure."""
    failure = None
    for _ in range(k):
        child = _CHILDREN.running.pop(0)
        _reap(child)
        failure = failure or child.error
    if failure is not None and raise_errors:
        raise failure


def background(work) -> None:
    """Run ``work()`` in a forked child inside :func:`background_writes` (its files are
    complete when the block ends, and its exception is raised there), else now."""
    if _background(work) is None:
        work()


class Pending:
    """The value of work done by a forked child (:func:`submit`); :meth:`get` waits."""

    def __init__(self, child: _Child | None, value=None):
        self._child, self._value = child, value

    def get(self):
        child = self._child
        if child is None:
            return self._value
        if not child.done:
            if _CHILDREN is not None and child in _CHILDREN.running:
                _CHILDREN.running.remove(child)
            _reap(child)
        if child.error is not None:
            raise child.error
        return child.value


def submit(work) -> Pending:
    """``work()`` (returning a picklable value) in a forked child inside
    :func:`background_writes`, else now; :meth:`Pending.get` gives its value."""
    child = _background(work, returns=True)
    return Pending(child) if child is not None else Pending(None, work())
