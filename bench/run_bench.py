"""Retrieval latency, index build rate at 1k/10k/100k chunks, and end-to-end /api/chat latency.

Scale runs use synthetic chunks recombined from the knowledge base's sentences. Embedding
100k chunks with the CPU model would take hours, so the embedding rate is measured on 1k
chunks and the larger indexes get random unit vectors of the model's dimension (FAISS and
BM25 costs do not depend on what the vectors mean); query embedding is always real.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import yaml

from api.settings import PROJECT_ROOT, get_settings
from knowledge.chunking import split_sentences
from knowledge.corpus import load_knowledge_base
from retrieval.build import build_from_units, tokenizer_for
from retrieval.calibration import Calibration
from retrieval.embedder import Embedder
from retrieval.index import HybridIndex
from retrieval.manifest import IndexManifest
from retrieval.searcher import HybridSearcher
from retrieval.units import IndexUnit

QUESTIONS = PROJECT_ROOT / "eval" / "questions.yml"


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100) of the values."""
    return float(np.percentile(np.array(values), q))


def _queries() -> list[str]:
    return [item["q"] for item in yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))]


def _synthetic_texts(sentences: list[str], n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.sample(sentences, 3)) for _ in range(n)]


def _time_searches(searcher: HybridSearcher, queries: list[str]) -> list[float]:
    searcher.search(queries[0])  # warm-up
    timings = []
    for query in queries:
        started = time.perf_counter()
        searcher.search(query, k=5)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def bench_scale(embedder: Embedder, sizes: list[int], queries: list[str]) -> list[str]:
    """Build rate and search latency at each size."""
    knowledge = load_knowledge_base()
    tokenizer = tokenizer_for(knowledge)
    sentences = [s for chunk in knowledge.chunks() for s in split_sentences(chunk.text)]
    rows = [f"{'chunks':>8} {'embed/s':>9} {'index build/s':>14} {'search p50 ms':>14} "
            f"{'p95 ms':>8}"]
    for size in sizes:
        texts = _synthetic_texts(sentences, size)
        units = [IndexUnit(f"syn#{i}", text) for i, text in enumerate(texts)]
        embed_rate = "—"
        if size <= 1000:
            started = time.perf_counter()
            index = build_from_units(units, embedder, tokenizer, {}, show_progress=False)
            embed_rate = f"{size / (time.perf_counter() - started):9.1f}"
            build_rate = "(incl.)"
        else:
            rng = np.random.default_rng(size)
            vectors = rng.normal(size=(size, embedder.dimension)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            started = time.perf_counter()
            tokens = [tokenizer.tokenize(text, expand=False) for text in texts]
            manifest = IndexManifest("synthetic", "synthetic", embedder.dimension,
                                     tokenizer.fingerprint, {}, size, size)
            index = HybridIndex.create(units, vectors, tokens, manifest)
            build_rate = f"{size / (time.perf_counter() - started):14.0f}"
        searcher = HybridSearcher(index, embedder, tokenizer, Calibration())
        timings = _time_searches(searcher, queries[:60])
        rows.append(f"{size:>8} {embed_rate:>9} {build_rate:>14} "
                    f"{percentile(timings, 50):14.1f} {percentile(timings, 95):8.1f}")
    return rows


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bench_chat(queries: list[str], tmp: Path) -> list[str]:
    """End-to-end /api/chat latency against a real uvicorn process."""
    port = _free_port()
    env = {**os.environ, "DXE_DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}"}
    server = subprocess.Popen(
        [sys.executable, "-m", "api.manage", "serve", "--port", str(port)], env=env,
        cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=30) as client:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if client.get("/api/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    return ["end-to-end: the server did not start"]
                time.sleep(0.5)
            client.post("/api/chat", json={"session_id": "warm", "text": "你好"})
            timings = []
            for n, query in enumerate(queries):
                started = time.perf_counter()
                response = client.post("/api/chat", json={"session_id": f"b{n}", "text": query})
                timings.append((time.perf_counter() - started) * 1000)
                response.raise_for_status()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return [f"/api/chat over HTTP, {len(timings)} questions: p50 {percentile(timings, 50):.1f} ms, "
            f"p95 {percentile(timings, 95):.1f} ms, mean {statistics.mean(timings):.1f} ms"]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks and print their tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000,100000")
    args = parser.parse_args(argv)
    settings = get_settings()
    queries = _queries()
    embedder = Embedder(settings.EMBEDDING_MODEL, settings.QUERY_PROMPT, settings.PASSAGE_PROMPT)
    embedder.encode_queries(queries[:1])
    single = []
    for query in queries[:50]:
        started = time.perf_counter()
        embedder.encode_queries([query])
        single.append((time.perf_counter() - started) * 1000)
    print(f"torch threads: {__import__('torch').get_num_threads()}; one query embedding: "
          f"p50 {percentile(single, 50):.1f} ms, p95 {percentile(single, 95):.1f} ms\n")
    print("Retrieval at scale (synthetic chunks; 1k embedded for real, larger with random "
          "vectors):")
    print("\n".join(bench_scale(embedder, [int(s) for s in args.sizes.split(",")], queries)))
    print()
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        print("\n".join(bench_chat(queries, Path(tmp))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
