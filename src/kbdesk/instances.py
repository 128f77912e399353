"""The ticket function's instances on one machine: worker processes, one event at a time each.

Lambda runs a function as instances that each take one event at a time, and
Powertools relies on it: it keeps the event being handled on its router
classes, process-wide (`tickets.app.ONE_EVENT_AT_A_TIME`). So the local server
does what Lambda does. Each worker process is one instance: it builds the
function from the environment once, as an instance's init does, then answers
one event after another while the other workers answer theirs (threads in one
process could only take turns). A request waits for a free instance.

The scheduled sender (`tickets.handler.flush_outbox`, every few minutes on AWS)
runs on the same instances, as one more event.

A worker that dies is replaced, as Lambda replaces an instance, and only the
request it held fails. (`concurrent.futures.ProcessPoolExecutor` would end
every worker, and every request they held, when one dies.)
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from .gateway import LocalContext

# Twice the cores: requests that wait on the disk or a mail server leave the CPU to the others.
DEFAULT_WORKERS = 2 * (os.cpu_count() or 1)
# Spawned, not forked: the server's own threads (the rebuild, the file watcher) stay behind.
_SPAWN = multiprocessing.get_context("spawn")


class InstanceFailed(RuntimeError):
    """The function failed, or its worker died, while it held the request (the gateway answers 500)."""


class _Worker:
    """One process hosting one instance of the function, and the pipe to it."""

    def __init__(self) -> None:
        self.pipe, theirs = _SPAWN.Pipe()
        self.process = _SPAWN.Process(target=_run_instance, args=(theirs,), name="kbdesk-function", daemon=True)
        self.process.start()
        theirs.close()

    def ready(self) -> _Worker:
        self._answer()
        return self

    def invoke(self, handler: str, event: dict[str, Any], context: LocalContext) -> Any:
        self.pipe.send((handler, event, context))
        return self._answer()

    def _answer(self) -> Any:
        done, answer = self.pipe.recv()
        if not done:
            raise InstanceFailed(answer)
        return answer

    def stop(self) -> None:
        self.pipe.close()  # the worker's loop ends when its pipe does
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()


HANDLERS = ("lambda_handler", "flush_outbox", "receive_mail")  # the function's entry points in tickets.handler


class FunctionInstances:
    """`count` instances of `tickets.handler.lambda_handler`, called like the handler itself."""

    def __init__(self, count: int = DEFAULT_WORKERS) -> None:
        if count < 1:
            raise ValueError("at least one worker is needed")
        starting = [_Worker() for _ in range(count)]  # all import at once; no customer waits for one
        self.workers = [worker.ready() for worker in starting]
        self.idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        for worker in self.workers:
            self.idle.put(worker)

    def __call__(self, event: dict[str, Any], context: LocalContext, handler: str = "lambda_handler") -> Any:
        if handler not in HANDLERS:
            raise ValueError(f"no such handler: {handler}")
        worker = self.idle.get()
        try:
            answer = worker.invoke(handler, event, context)
        except (EOFError, OSError) as error:
            worker.stop()
            replacement = _Worker().ready()
            self.workers[self.workers.index(worker)] = replacement
            self.idle.put(replacement)
            raise InstanceFailed("the ticket function's worker died during the request") from error
        self.idle.put(worker)
        return answer

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()


def _run_instance(pipe: Connection) -> None:
    """A worker's life: build the function once, then answer one event at a time until the pipe closes."""
    from tickets import handler

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group; the server stops its workers
    pipe.send(_attempt(lambda: handler.get_app() and None))
    while True:
        try:
            name, event, context = pipe.recv()
        except (EOFError, OSError):
            return
        pipe.send(_attempt(getattr(handler, name), event, context))


def _attempt(work: Callable[..., Any], *args: Any) -> tuple[bool, Any]:
    """What a worker sends back: (True, the answer), or (False, what failed) for the server's log."""
    try:
        return True, work(*args)
    except Exception as error:  # as Lambda reports a function error: the worker itself lives on
        return False, f"{type(error).__name__}: {error}"
