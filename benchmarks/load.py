"""Closed-loop load and its statistics.

`send_all` runs C senders (threads), each on its own keep-alive connection; each sends a
prepared request, waits for the answer, then takes the next. A request is timed from just
before it is written until its answer has been read: for a slash command, the ack.
"""

from __future__ import annotations

import http.client
import math
import queue
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

TIMEOUT = 30  # seconds; far beyond Slack's 3, so a slow answer is measured, not lost

# index -> (body, headers), built before the clock starts (signing is the client's work)
Prepare = Callable[[int], tuple[str, dict[str, str]]]


@dataclass(frozen=True)
class Answer:
    index: int
    seconds: float  # until the answer was read
    status: int  # 0: no answer (connection error)
    body: str
    finished: float  # time.perf_counter() when it was read


def send_all(url: str, indices: Iterable[int], prepare: Prepare, concurrency: int) -> list[Answer]:
    """POST one prepared request per index to `url` from `concurrency` senders."""
    work: queue.SimpleQueue[int] = queue.SimpleQueue()
    for index in indices:
        work.put(index)
    answers: list[Answer] = []
    senders = [
        threading.Thread(target=_sender, args=(url, work, prepare, answers), name=f"sender-{n}")
        for n in range(concurrency)
    ]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    return sorted(answers, key=lambda answer: answer.index)


def _sender(
    url: str, work: queue.SimpleQueue[int], prepare: Prepare, answers: list[Answer]
) -> None:
    target = urlsplit(url)
    conn = http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port, timeout=TIMEOUT)
    try:
        while True:
            try:
                index = work.get_nowait()
            except queue.Empty:
                return
            body, headers = prepare(index)
            answers.append(post(conn, target.path, index, body.encode(), headers))
    finally:
        conn.close()


def post(
    conn: http.client.HTTPConnection, path: str, index: int, body: bytes, headers: dict[str, str]
) -> Answer:
    """POST `body`, timed from just before it is written until its answer was read."""
    started = time.perf_counter()
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        status, text = response.status, response.read().decode()
    except (OSError, http.client.HTTPException) as exc:
        conn.close()  # the next request opens a new connection
        status, text = 0, f"{type(exc).__name__}: {exc}"
    finished = time.perf_counter()
    return Answer(index, finished - started, status, text, finished)


@dataclass(frozen=True)
class Percentiles:
    p50: float
    p90: float
    p99: float
    max: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Percentiles:
        ordered = sorted(values)
        return cls(
            percentile(ordered, 50), percentile(ordered, 90), percentile(ordered, 99), ordered[-1]
        )


def percentile(ordered: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not ordered:
        raise ValueError("no values")
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]
