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
from collections.abc import Iterator, Sequence
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


async def closed_loop(urls: Sequence[str], questions: Sequence[str], clients: int = 16,
                      seconds: float = 10.0) -> LoadResult:
    """``clients`` conversations in parallel, spread over ``urls``, for ``seconds``."""
    _local_only(urls)
    texts = unique_texts(questions)
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=clients * 2, max_keepalive_connections=clients * 2)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        sessions = [await _session(client, urls[n % len(urls)]) for n in range(clients)]
        started = time.perf_counter()
        deadline = started + seconds

        async def conversation(number: int) -> None:
            nonlocal errors
            url, session = urls[number % len(urls)], sessions[number]
            while time.perf_counter() < deadline:
                sent = time.perf_counter()
                try:
                    response = await client.post(f"{url}/api/chat", json={
                        "session_id": session, "text": next(texts)})
                    ok = response.status_code == 200
                except httpx.HTTPError:
                    ok = False
                latencies.append((time.perf_counter() - sent) * 1000)
                errors += not ok

        await asyncio.gather(*(conversation(n) for n in range(clients)))
        elapsed = time.perf_counter() - started
    return LoadResult(len(latencies), errors, elapsed, latencies)


async def open_loop(urls: Sequence[str], questions: Sequence[str], rate: float = 40.0,
                    seconds: float = 10.0, conversations: int = 64) -> LoadResult:
    """``rate`` messages per second on a fixed schedule for ``seconds`` (at most
    ``rate × seconds`` requests), latency from each message's scheduled time."""
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
            try:
                response = await client.post(f"{url}/api/chat", json={
                    "session_id": session, "text": next(texts)})
                ok = response.status_code == 200
            except httpx.HTTPError:
                ok = False
            latencies.append((time.perf_counter() - scheduled) * 1000)
            errors += not ok

        await asyncio.gather(*(send(n) for n in range(total)))
        elapsed = time.perf_counter() - started
    return LoadResult(total, errors, elapsed, latencies)
