"""The query threads of a run, as daemon threads: they never hold the process open.

``concurrent.futures.ThreadPoolExecutor`` joins its workers when the interpreter exits. A worker
blocked on an answer that does not come (Ctrl-C while the service, a proxy or a stalled
connection keeps a query open) then kept `netlogs` alive after its "Interrupted" line until the
read timeout, minutes later. The run hands over what was fetched without waiting for such a
worker; as a daemon thread it ends with the process.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Generic, TypeVar

T = TypeVar("T")


class DaemonPool(Generic[T]):
    """``submit`` / ``shutdown`` like ``ThreadPoolExecutor``, on at most ``workers`` threads."""

    def __init__(self, workers: int, name: str) -> None:
        self._jobs: queue.SimpleQueue[tuple[Future[T], Callable[[], T]] | None] = (
            queue.SimpleQueue()
        )
        self._workers = workers
        self._name = name
        self._threads: list[threading.Thread] = []

    def submit(self, call: Callable[[], T]) -> Future[T]:
        future: Future[T] = Future()
        self._jobs.put((future, call))
        if len(self._threads) < self._workers:
            thread = threading.Thread(
                target=self._work, name=f"{self._name}_{len(self._threads)}", daemon=True
            )
            self._threads.append(thread)
            thread.start()
        return future

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        """No more jobs; ``cancel_futures`` cancels those not started; ``wait`` joins the
        threads (only when every job ends by itself)."""
        if cancel_futures:
            while True:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is not None:
                    job[0].cancel()
        for _ in self._threads:
            self._jobs.put(None)
        if wait:
            for thread in self._threads:
                thread.join()

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            future, call = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = call()
            except BaseException as exc:  # handed to the caller, as concurrent.futures does
                future.set_exception(exc)
            else:
                future.set_result(result)
