"""The one thread that runs the models (torch) in a process.

torch on the CPU parallelises through OpenMP, and each thread that starts a parallel region
gets a thread team of its own.  Once two threads of a process have used torch, the passes
of both run on about one core instead of two: measured on these 2 cores, the quality
estimate's pass over 200 MLQE-PE lines took 2.6-2.9 s from the first thread that used
torch, and 4.0-4.3 s from either thread once a second had used it
(``benchmarks/torch_threads.py``; BENCHMARKS.md, "Service and speed").  `mtqa serve` answers requests in worker threads, and `mtqa check`
checks documents in several, so every model pass (and every model load) is handed to this
one thread; the passes are serialised by it too, which the shared models need anyway.

The rest of a check (the rules and spaCy, a LanguageTool request, whose server checks on
one core) can run beside a model pass (``beside_models``).  While it does, a pass gives up
one core: it runs its next layer (``pace``) on one torch thread fewer, since two workloads
that each want both cores of a 2-core machine slow each other down more than they gain.
The numbers do not depend on the thread count (the same QE scores, bit for bit, with one
thread or two)."""
from __future__ import annotations

import contextlib
import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable, Iterator, Optional, TypeVar

T = TypeVar("T")

_pool: Optional[ThreadPoolExecutor] = None
_pool_lock = threading.Lock()
_thread: Optional[threading.Thread] = None
_threads = 0  # torch's threads on the model thread: all, or one fewer beside other work
_all_threads = 0
_beside = 0  # pipeline work running beside the model thread now
_beside_lock = threading.Lock()


def _mark() -> None:
    global _thread
    _thread = threading.current_thread()


def model_future(fn: Callable[..., T], *args, **kwargs) -> "Future[T]":
    """``fn(*args, **kwargs)`` queued on the model thread (started on first use); its
    Future.  From the model thread itself it runs at once (the Future is done)."""
    global _pool
    if threading.current_thread() is _thread:
        done: Future = Future()
        try:
            done.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to whoever reads the Future
            done.set_exception(exc)
        return done
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mtqa-models", initializer=_mark)
    return _pool.submit(_paced, fn, *args, **kwargs)


def _paced(fn, *args, **kwargs):
    pace()  # each task starts with the threads it should have now (a pass paces on layer by layer)
    return fn(*args, **kwargs)


def on_model_thread(fn: Callable[..., T], *args, **kwargs) -> T:
    """``fn(*args, **kwargs)`` run on the model thread, waited for; its exception is
    raised here.  Called from the model thread itself, it just runs."""
    return model_future(fn, *args, **kwargs).result()


@contextlib.contextmanager
def beside_models() -> Iterator[None]:
    """Marks pipeline work that runs beside the model thread's passes (they pace
    themselves to leave it a core)."""
    global _beside
    with _beside_lock:
        _beside += 1
    try:
        yield
    finally:
        with _beside_lock:
            _beside -= 1


def pace() -> None:
    """Called by a model pass before each batch (the QE pass: before each decoder layer,
    ``mtqa.qe.lmscore``): on the model thread, torch's threads are
    set to one fewer than all while other work runs beside it (``beside_models``), to all
    otherwise.  Elsewhere (a benchmark scoring on its own thread) it does nothing."""
    global _threads, _all_threads
    if threading.current_thread() is not _thread or "torch" not in sys.modules:
        return  # nothing to pace (and torch not imported for it: a check without models)
    import torch

    if not _all_threads:
        _threads = _all_threads = torch.get_num_threads()
    want = max(1, _all_threads - 1) if _beside else _all_threads
    if want != _threads:
        torch.set_num_threads(want)
        _threads = want
