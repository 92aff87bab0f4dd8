"""Engines: where the per-chunk function runs. In this process, in N local processes, or on Dask.

Every engine takes an iterable of chunks and yields one result per chunk, in chunk order, keeping
only a few chunks in flight (so memory stays bounded however large the dump). The heavy objects
(spaCy pipeline, model) load once per worker, through `warm(settings)`, before any chunk is sent.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

Chunk = list
ChunkFunction = Callable[[Chunk, Any], Any]
CHUNK_SIZE = 50  # records per chunk: the unit of work, of output order and of checkpoints
IN_FLIGHT_PER_WORKER = 2
ENGINES = ("local", "dask")


class LocalEngine:
    """--jobs 1 runs chunks in this process; --jobs N in a pool of N processes (started with spawn)."""

    def __init__(self, func: ChunkFunction, warm: Callable, settings, jobs: int = 1):
        self.func, self.warm, self.settings, self.jobs = func, warm, settings, max(1, jobs)
        self.pool = None

    def __enter__(self) -> LocalEngine:
        if self.jobs == 1:
            self.warm(self.settings)
            return self
        ctx = mp.get_context("spawn")
        ready = ctx.Queue()
        self.pool = ctx.Pool(self.jobs, initializer=_init_worker, initargs=(self.warm, self.settings, ready))
        for _ in range(self.jobs):
            ready.get()  # each worker has loaded the checker
        return self

    def map(self, chunks: Iterable[Chunk]) -> Iterator:
        if self.pool is None:
            return (self.func(chunk, self.settings) for chunk in chunks)
        submit = lambda chunk: self.pool.apply_async(self.func, (chunk, self.settings))  # noqa: E731
        return in_order(submit, lambda pending: pending.get(), chunks, self.jobs * IN_FLIGHT_PER_WORKER)

    def __exit__(self, exc_type, *exc) -> None:
        if self.pool is not None:
            if exc_type is None:
                self.pool.close()
            else:
                self.pool.terminate()
            self.pool.join()


def _init_worker(warm: Callable, settings, ready) -> None:
    """A pool worker: one BLAS thread (the processes are the parallelism), load the checker, report ready."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    warm(settings)
    ready.put(os.getpid())


class DaskEngine:
    """Chunks run on a Dask cluster: the one at `scheduler`, or a local one with `workers` processes.

    The client reads the input and writes the outputs (so checkpoints and resume work as locally);
    the workers need the package and the model at the same paths (a shared folder or the same image).
    Each worker process parses with one thread at a time, so workers should have one thread each.
    """

    def __init__(self, func: ChunkFunction, warm: Callable, settings, scheduler: str | None = None,
                 workers: int = 2, processes: bool = True):
        self.func, self.warm, self.settings = func, warm, settings
        self.scheduler, self.workers, self.processes = scheduler, workers, processes
        self.cluster = self.client = None

    def __enter__(self) -> DaskEngine:
        from dask.distributed import Client, LocalCluster

        if self.scheduler:
            self.client = Client(self.scheduler)
        else:
            self.cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=self.processes,
                                        dashboard_address=None)
            self.client = Client(self.cluster)
        self.client.run(self.warm, self.settings)
        return self

    def map(self, chunks: Iterable[Chunk]) -> Iterator:
        threads = sum(self.client.nthreads().values()) or 1
        submit = lambda chunk: self.client.submit(self.func, chunk, self.settings, pure=False)  # noqa: E731
        return in_order(submit, lambda future: future.result(), chunks, threads * IN_FLIGHT_PER_WORKER)

    def __exit__(self, *exc) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def in_order(submit: Callable, result: Callable, chunks: Iterable[Chunk], window: int) -> Iterator:
    """Results of submitted chunks in submission order, with at most `window` chunks in flight."""
    pending: deque = deque()
    for chunk in chunks:
        pending.append(submit(chunk))
        if len(pending) >= window:
            yield result(pending.popleft())
    while pending:
        yield result(pending.popleft())


def make_engine(name: str, func: ChunkFunction, warm: Callable, settings, jobs: int = 1,
                scheduler: str | None = None):
    if name == "dask":
        return DaskEngine(func, warm, settings, scheduler, workers=max(2, jobs) if jobs > 1 else 2)
    return LocalEngine(func, warm, settings, jobs)
