"""Race tests: run the same work in several threads released at one moment, each in its own unit of work."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from loyalka.errors import LoyaltyError

T = TypeVar("T")


def at_once(count: int, work: Callable[[int], T], *, timeout_s: float = 60) -> tuple[list[T], list[str]]:
    """Run ``work(i)`` for i in 0..count-1 in threads released together. Returns (what succeeded, the codes of
    the LoyaltyErrors refused); any other exception, or a thread still running after ``timeout_s``, fails."""
    barrier = threading.Barrier(count)
    done: list[T] = []
    refused: list[str] = []
    broken: list[BaseException] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        barrier.wait()
        try:
            result = work(i)
            with lock:
                done.append(result)
        except LoyaltyError as exc:
            with lock:
                refused.append(exc.code)
        except BaseException as exc:  # noqa: BLE001 - reported below, in the test's thread
            with lock:
                broken.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout_s)
    assert not any(thread.is_alive() for thread in threads), "a racing thread did not finish"
    if broken:
        raise AssertionError(f"{len(broken)} racing call(s) failed unexpectedly") from broken[0]
    assert len(done) + len(refused) == count
    return done, refused
