"""A bounded load generator for the app: only 127.0.0.1, a fixed duration, then it stops.

- closed loop: ``clients`` conversations, each sending its next message as soon as the
  previous answer arrived, for ``seconds`` — the capacity (turns/s);
- open loop: messages sent at ``rate`` per second on a fixed schedule for ``seconds``;
  latency is measured from the scheduled send time, so a queue that grows shows up.

Every message of a run is a different question text (the questions of the dev set,
numbered), so nothing a cache could hold stands in for the work.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
import numpy as np

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True, slots=True)
class LoadResult:
    """What one run measured."""

    turns: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rate(self) -> float:
        """Answered turns per second."""
        return (self.turns - self.errors) / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        """The q-th latency percentile in ms."""
        return float(np.percentile(self.latencies_ms, q)) if self.latencies_ms else 0.0


def _local_only(urls: Sequence[str]) -> None:
    for url in urls:
        if urlsplit(url).hostname not in LOCAL_HOSTS:
            raise ValueError(f"the load generator targets 127.0.0.1 only, not {url}")


def unique_texts(questions: Sequence[str]) -> Iterator[str]:
    """The questions, then numbered variants of them: never the same text twice."""
    for round_number in itertools.count():
        for question in questions:
            yield question if round_number == 0 else f"{question}（{round_number}）"


async def _session(client: httpx.AsyncClient, url: str) -> str:
    response = await client.post(f"{url}/api/sessions")
    response.raise_for_status()
    return str(response.json()["session_id"])


async def post_ok(client: httpx.AsyncClient, url: str, body: dict[str, str],
                  through_dialogue: bool = False) -> bool:
    """One request; whether it was answered with 200 (a transport error counts as not).
    ``through_dialogue``: a chat turn answered without Rasa (``degraded``) counts as not."""
    try:
        response = await client.post(url, json=body)
    except httpx.HTTPError:
        return False
    if response.status_code != 200:
        return False
    return not (through_dialogue and response.json().get("degraded"))


async def run_closed(clients: int, seconds: float,
                     send: Callable[[int], Awaitable[bool]]) -> LoadResult:
    """``clients`` loops in parallel, each awaiting ``send(its number)`` again as soon as the
    previous one returned, for ``seconds``; latency per call."""
    latencies: list[float] = []
    errors = 0
    started = time.perf_counter()
    deadline = started + seconds

    async def loop(number: int) -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            sent = time.perf_counter()
            ok = await send(number)
            latencies.append((time.perf_counter() - sent) * 1000)
            errors += not ok

    await asyncio.gather(*(loop(n) for n in range(clients)))
    return LoadResult(len(latencies), errors, time.perf_counter() - started, latencies)


async def closed_loop(urls: Sequence[str], questions: Sequence[str], clients: int = 16,
                      seconds: float = 10.0, through_dialogue: bool = False) -> LoadResult:
    """``clients`` conversations in parallel, spread over ``urls``, for ``seconds``;
    ``through_dialogue``: turns answered without Rasa count as errors."""
    _local_only(urls)
    texts = unique_texts(questions)
    limits = httpx.Limits(max_connections=clients * 2, max_keepalive_connections=clients * 2)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        sessions = [await _session(client, urls[n % len(urls)]) for n in range(clients)]

        def send(number: int) -> Awaitable[bool]:
            url = urls[number % len(urls)]
            return post_ok(client, f"{url}/api/chat",
                           {"session_id": sessions[number], "text": next(texts)},
                           through_dialogue)

        return await run_closed(clients, seconds, send)


async def open_loop(urls: Sequence[str], questions: Sequence[str], rate: float = 40.0,
                    seconds: float = 10.0, conversations: int = 64,
                    through_dialogue: bool = False) -> LoadResult:
    """``rate`` messages per second on a fixed schedule for ``seconds`` (at most
    ``rate × seconds`` requests), latency from each message's scheduled time;
    ``through_dialogue``: turns answered without Rasa count as errors."""
    _local_only(urls)
    texts = unique_texts(questions)
    total = int(rate * seconds)
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=64)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        sessions = [(urls[n % len(urls)], await _session(client, urls[n % len(urls)]))
                    for n in range(conversations)]
        started = time.perf_counter()

        async def send(number: int) -> None:
            nonlocal errors
            scheduled = started + number / rate
            await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
            url, session = sessions[number % len(sessions)]
            ok = await post_ok(client, f"{url}/api/chat",
                               {"session_id": session, "text": next(texts)}, through_dialogue)
            latencies.append((time.perf_counter() - scheduled) * 1000)
            errors += not ok

        await asyncio.gather(*(send(n) for n in range(total)))
        elapsed = time.perf_counter() - started
    return LoadResult(total, errors, elapsed, latencies)
