"""The one thread that runs the models (torch) in a process.

torch on the CPU parallelises through OpenMP, and each thread that starts a parallel region
gets a thread team of its own.  Once two threads of a process have used torch, the passes
of both run on about one core instead of two: measured on these 2 cores, the quality
estimate's pass over 200 MLQE-PE lines took 2.4-2.6 s from the first thread that used
torch, and 3.8-3.9 s from either thread once a second had used it (BENCHMARKS.md,
"Service and speed").  `mtqa serve` answers requests in worker threads, and `mtqa check`
checks documents in several, so every model pass (and every model load) is handed to this
one thread; the passes are serialised by it too, which the shared models need anyway."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Optional, TypeVar

T = TypeVar("T")

_pool: Optional[ThreadPoolExecutor] = None
_pool_lock = threading.Lock()
_thread: Optional[threading.Thread] = None


def _mark() -> None:
    global _thread
    _thread = threading.current_thread()


def on_model_thread(fn: Callable[..., T], *args, **kwargs) -> T:
    """``fn(*args, **kwargs)`` run on the model thread (started on first use), waited for;
    its exception is raised here.  Called from the model thread itself, it just runs."""
    global _pool
    if threading.current_thread() is _thread:
        return fn(*args, **kwargs)
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mtqa-models", initializer=_mark)
    return _pool.submit(fn, *args, **kwargs).result()
