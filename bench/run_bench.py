"""Issue #12's benchmarks. With no flag every table runs in turn: query embedding, retrieval
at 1k/10k/100k chunks, /api/chat and the Rasa turn, memory (also at 10k chunks), load and
scale-out (1 vs 2 app replicas, the whole stack beside bare Rasa, 1 vs 2 Rasa processes),
and the dashboard / problem list at 1M logged turns; ``--quick`` stops after the latency
tables, and each ``--only-*`` / ``--load`` / ``--memory`` / ``--profile`` runs one part.

Scale runs use synthetic chunks recombined from the knowledge base's sentences. Embedding
100k chunks with the CPU model would take hours, so the embedding rate is measured on 1k
chunks and the larger indexes get vectors scattered around those 1k real embeddings (an
ANN index's recall depends on that structure; BM25 costs do not); query embedding is
always real.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import faiss
import httpx
import numpy as np
import yaml

from api.dialogue.rasa_jwt import mint_token
from api.supervisor import dialogue_stack, free_port
from bench.aggregates import bench_aggregates
from bench.databases import BENCH_REDIS_URL, postgres_database, postgres_schema
from bench.reference_search import ReferenceSearcher
from hotline.settings import PROJECT_ROOT, get_settings
from knowledge.chunking import split_sentences
from knowledge.corpus import load_knowledge_base
from knowledge.text import normalize_text
from retrieval.build import tokenizer_for
from retrieval.calibration import Calibration
from retrieval.embedder import Embedder
from retrieval.errors import EmbeddingModelError
from retrieval.index import HNSW_MIN_UNITS, HNSW_NEIGHBOURS, HybridIndex
from retrieval.manifest import IndexManifest
from retrieval.searcher import HybridSearcher
from retrieval.units import IndexUnit

QUESTIONS = PROJECT_ROOT / "eval" / "questions.yml"


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100) of the values."""
    return float(np.percentile(np.array(values), q))


def _queries() -> list[str]:
    return [item["q"] for item in yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))]


def _load_questions() -> list[str]:
    """Every dev question's text (the load generator numbers them to keep them unique)."""
    from eval.sets import load_questions

    return [q.text for q in load_questions("dev")]


def _synthetic_texts(sentences: list[str], n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.sample(sentences, 3)) for _ in range(n)]


def _time_old_and_new(searcher: HybridSearcher, queries: list[str], vectors: np.ndarray
                      ) -> dict[str, list[float]]:
    """Whole search (query embedding included) and retrieval alone (the vector given), the
    search before issue #12 (bench/reference_search.py) and now, alternating query by query
    so that load on the shared machine hits both alike."""
    old = ReferenceSearcher(searcher)
    runs: dict[str, Callable[[str, np.ndarray], object]] = {
        "old search": lambda q, v: old.search(q, k=5),
        "new search": lambda q, v: searcher.search(q, k=5),
        "old retrieval": lambda q, v: old.search(q, k=5, vector=v),
        "new retrieval": lambda q, v: searcher.search_embedded(q, v, k=5),
    }
    for run in runs.values():  # warm-up
        run(queries[0], vectors[0])
    timings: dict[str, list[float]] = {name: [] for name in runs}
    for n, (query, vector) in enumerate(zip(queries, vectors, strict=True)):
        for name in sorted(runs, reverse=bool(n % 2)):
            searcher.embedder.forget_recent_queries()  # each search embeds its query
            started = time.perf_counter()
            runs[name](query, vector)
            timings[name].append((time.perf_counter() - started) * 1000)
    return timings


def bench_passage_embedding(model: str, texts: list[str], query_prompt: str | None = None,
                            passage_prompt: str | None = None, rounds: int = 2) -> list[str]:
    """Passage embedding rate (what ``build-index`` spends its time on): sentence-transformers
    against the onnxruntime backend at two batch sizes, alternating, the same texts."""
    embedders = {"torch, batch 32": Embedder(model, query_prompt, passage_prompt,
                                             backend="torch")}
    try:
        for size in (32, 16):
            embedders[f"onnx, batch {size}"] = Embedder(model, query_prompt, passage_prompt,
                                                        batch_size=size, backend="onnx")
    except EmbeddingModelError as exc:
        return [f"passage embedding: onnx skipped — {exc}"]
    seconds: dict[str, list[float]] = {name: [] for name in embedders}
    vectors: dict[str, np.ndarray] = {}
    for n in range(rounds):
        for name in sorted(embedders, reverse=bool(n % 2)):
            started = time.perf_counter()
            vectors[name] = embedders[name].encode_passages(texts)
            seconds[name].append(time.perf_counter() - started)
    reference = vectors["torch, batch 32"]
    rows = [f"Passage embedding, {len(texts)} synthetic chunks, {rounds} rounds alternating "
            f"({embedders['onnx, batch 32'].threads} threads each):",
            f"{'backend':<18} {'chunks/s':>9} {'vs torch':>9} {'min cosine':>11}"]
    torch_rate = len(texts) / min(seconds["torch, batch 32"])
    for name, values in seconds.items():
        rate = len(texts) / min(values)
        cosine = float(np.min(np.sum(vectors[name] * reference, axis=1)))
        rows.append(f"{name:<18} {rate:9.1f} {rate / torch_rate:8.2f}x {cosine:11.6f}")
    return rows


def bench_query_embedding(model: str, queries: list[str], query_prompt: str | None = None,
                          passage_prompt: str | None = None) -> list[str]:
    """One query at a time (batch 1), sentence-transformers on torch against our onnxruntime
    backend of the same model, alternating query by query so load hits both alike."""
    import torch

    embedders = {"torch": Embedder(model, query_prompt, passage_prompt, backend="torch")}
    try:
        embedders["onnx"] = Embedder(model, query_prompt, passage_prompt, backend="onnx")
    except EmbeddingModelError as exc:
        return [f"query embedding: onnx skipped — {exc}"]
    for embedder in embedders.values():  # warm-up
        for query in queries[:5]:
            embedder.encode_queries([query])
    timings: dict[str, list[float]] = {name: [] for name in embedders}
    cosines = []
    for n, query in enumerate(queries):
        vectors = {}
        for name in sorted(embedders, reverse=bool(n % 2)):
            started = time.perf_counter()
            vectors[name] = embedders[name].encode_queries([query])[0]
            timings[name].append((time.perf_counter() - started) * 1000)
        cosines.append(float(vectors["torch"] @ vectors["onnx"]))
    threads = {"torch": torch.get_num_threads(), "onnx": embedders["onnx"].threads}
    rows = [f"Query embedding, one query at a time (batch 1), {len(queries)} questions, "
            f"alternating; min cosine onnx·torch {min(cosines):.6f}:",
            f"{'backend':<22} {'threads':>7} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8}"]
    stats = {}
    for name, label in (("torch", "torch (sentence-tr.)"), ("onnx", "onnx (fused fp32)")):
        values = timings[name]
        stats[name] = (percentile(values, 50), percentile(values, 95), statistics.mean(values))
        rows.append(f"{label:<22} {threads[name]:>7} {stats[name][0]:8.1f} {stats[name][1]:8.1f} "
                    f"{stats[name][2]:8.1f}")
    ratio = [stats["onnx"][i] / stats["torch"][i] for i in range(3)]
    rows.append(f"{'onnx / torch':<22} {'':>7} {ratio[0]:7.2f}x {ratio[1]:7.2f}x {ratio[2]:7.2f}x")
    return rows


def _vectors_like(real: np.ndarray, size: int, seed: int) -> np.ndarray:
    """``size`` unit vectors scattered around real embeddings (the structure an ANN index
    meets in a real corpus; random vectors in 384 dimensions would be its worst case)."""
    rng = np.random.default_rng(seed)
    noise = rng.normal(scale=0.03, size=(size, real.shape[1])).astype(np.float32)
    vectors = real[rng.integers(0, len(real), size)] + noise
    scattered: np.ndarray = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True))
    return scattered.astype(np.float32)


def _dense_timings(index: HybridIndex, vectors: np.ndarray, k: int = 50
                   ) -> tuple[list[float], list[list[int]]]:
    timings, found = [], []
    for vector in vectors:
        started = time.perf_counter()
        hits = index.search_dense(vector, k)
        timings.append((time.perf_counter() - started) * 1000)
        found.append([hit.unit for hit in hits[:10]])
    return timings, found


EF_SEARCH_SWEEP = (64, 128, 200, 300, 400)


def _recall(exact: list[list[int]], found: list[list[int]]) -> float:
    return float(np.mean([len(set(a) & set(b)) / max(1, len(a))
                          for a, b in zip(exact, found, strict=True)]))


def bench_scale(embedder: Embedder, sizes: list[int], queries: list[str]) -> list[str]:
    """Search latency at each size, exact (flat) against HNSW dense search, the search before
    issue #12 against now; HNSW's efSearch against recall at the largest size.

    1k chunks are embedded for real; larger sizes scatter vectors around those real
    embeddings. ``search`` includes embedding the query, BM25, fusion and the confidence;
    ``retrieval`` is the same with the query's vector given; ``dense`` is FAISS alone;
    recall@10 is HNSW's against exact search for the real queries.
    """
    knowledge = load_knowledge_base()
    tokenizer = tokenizer_for(knowledge)
    sentences = [s for chunk in knowledge.chunks() for s in split_sentences(chunk.text)]
    sample = _synthetic_texts(sentences, 1000)
    real = embedder.encode_passages(sample)
    queries = queries[:60]
    query_vectors = embedder.encode_queries([normalize_text(q) for q in queries])
    rows = [f"{'chunks':>8} {'dense':>6} {'build/s':>8} {'':>4} {'search p50':>10} {'p95 ms':>7} "
            f"{'retrieval p50':>13} {'p95 ms':>7} {'dense p50':>9} {'p95':>6} {'recall@10':>9}"]
    sweep: list[str] = []
    for size in sizes:
        texts = _synthetic_texts(sentences, size)
        units = [IndexUnit(f"syn#{i}", text) for i, text in enumerate(texts)]
        vectors = real if size == len(real) else _vectors_like(real, size, seed=size)
        tokens = [tokenizer.tokenize(text, expand=False) for text in texts]
        manifest = IndexManifest("synthetic", "synthetic", embedder.dimension,
                                 tokenizer.fingerprint, {}, size, size)
        exact_found: list[list[int]] = []
        for kind in ("flat", "hnsw"):
            started = time.perf_counter()
            index = HybridIndex.create(units, vectors, tokens, manifest, dense_kind=kind)
            build_rate = size / (time.perf_counter() - started)
            searcher = HybridSearcher(index, embedder, tokenizer, Calibration())
            timings = _time_old_and_new(searcher, queries, query_vectors)
            dense_ms, found = _dense_timings(index, query_vectors)
            if kind == "flat":
                exact_found, recall = found, "exact"
            else:
                recall = f"{_recall(exact_found, found):.3f}"
            for era in ("old", "new"):
                search, alone = timings[f"{era} search"], timings[f"{era} retrieval"]
                rows.append(
                    f"{size:>8} {kind:>6} {build_rate:8.0f} {era:>4} {percentile(search, 50):10.1f} "
                    f"{percentile(search, 95):7.1f} {percentile(alone, 50):13.1f} "
                    f"{percentile(alone, 95):7.1f} {percentile(dense_ms, 50):9.2f} "
                    f"{percentile(dense_ms, 95):6.2f} {recall:>9}")
            if kind == "hnsw" and size == max(sizes):
                sweep = _ef_sweep(index, query_vectors, exact_found)
    return rows + sweep


def _ef_sweep(index: HybridIndex, vectors: np.ndarray, exact: list[list[int]]) -> list[str]:
    """FAISS HNSW alone at several efSearch values, 1 OpenMP thread and the default."""
    graph: Any = faiss.downcast_index(index.dense)  # IndexHNSWFlat
    chosen, threads = graph.hnsw.efSearch, faiss.omp_get_max_threads()
    rows = [f"HNSW at {index.dense.ntotal:,} units (M {HNSW_NEIGHBOURS}); the index uses "
            f"efSearch {chosen}:",
            f"{'efSearch':>8} {'threads':>7} {'dense p50':>9} {'p95 ms':>7} {'recall@10':>9}"]
    try:
        for ef in EF_SEARCH_SWEEP:
            graph.hnsw.efSearch = ef
            for omp in sorted({1, threads}):
                faiss.omp_set_num_threads(omp)
                _dense_timings(index, vectors[:5])  # warm-up
                timings, found = _dense_timings(index, vectors)
                rows.append(f"{ef:>8} {omp:>7} {percentile(timings, 50):9.2f} "
                            f"{percentile(timings, 95):7.2f} {_recall(exact, found):9.3f}")
    finally:
        graph.hnsw.efSearch = chosen
        faiss.omp_set_num_threads(threads)
    return rows


def new_session(client: httpx.Client, app_url: str = "") -> str:
    """A conversation credential from the app (POST /api/sessions), as the page gets one."""
    response = client.post(f"{app_url}/api/sessions")
    response.raise_for_status()
    return str(response.json()["session_id"])


def bench_chat(queries: list[str], tmp: Path) -> list[str]:
    """End-to-end /api/chat latency against a real uvicorn process."""
    port = free_port()
    env = {**os.environ, "DXE_DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
           "DXE_RATE_LIMITS_ENABLED": "false"}  # a load generator by design
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
            client.post("/api/chat", json={"session_id": new_session(client), "text": "你好"})
            timings = []
            for query in queries:
                session = new_session(client)  # once per conversation: not timed
                started = time.perf_counter()
                response = client.post("/api/chat", json={"session_id": session, "text": query})
                timings.append((time.perf_counter() - started) * 1000)
                response.raise_for_status()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return [f"/api/chat over HTTP, {len(timings)} questions: p50 {percentile(timings, 50):.1f} ms, "
            f"p95 {percentile(timings, 95):.1f} ms, mean {statistics.mean(timings):.1f} ms"]


# --- replicas: 1 vs 2 app processes under load ------------------------------------------------
def bench_replicas(questions: list[str], tmp: Path, clients: int = 16, seconds: float = 10.0,
                   rate: float = 40.0) -> list[str]:
    """Capacity (closed loop) and latency at a fixed rate (open loop) of 1 and 2 app
    processes on one PostgreSQL database, in direct mode (the app alone, no Rasa)."""
    from api.supervisor import app_replicas
    from bench.load import closed_loop, open_loop

    rows = [f"App replicas on PostgreSQL, direct mode (no Rasa), {clients} closed-loop clients "
            f"for {seconds:.0f} s, then {rate:.0f} turns/s offered for {seconds:.0f} s:",
            f"{'replicas':>8} {'turns/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'errors':>6}   "
            f"{'open p50':>8} {'p95 ms':>7} {'errors':>6}"]
    with postgres_schema() as database_url:
        if database_url is None:
            return rows + ["  (no PostgreSQL on 127.0.0.1:5432: skipped)"]
        env = {**os.environ, "DXE_DATABASE_URL": database_url, "DXE_RASA_URL": "",
               "DXE_RATE_LIMITS_ENABLED": "false", "DXE_ESCALATION_INTERVAL_SECONDS": "0"}
        capacity: dict[int, float] = {}
        for count in (1, 2):
            with app_replicas(env, count, tmp / f"replicas-{count}") as running:
                urls = running.urls
                asyncio.run(closed_loop(urls, questions, clients=4, seconds=2))  # warm-up
                closed = asyncio.run(closed_loop(urls, questions, clients, seconds))
                opened = asyncio.run(open_loop(urls, questions, rate, seconds))
            capacity[count] = closed.rate
            rows.append(f"{count:>8} {closed.rate:8.1f} {closed.percentile(50):7.1f} "
                        f"{closed.percentile(95):7.1f} {closed.errors:>6}   "
                        f"{opened.percentile(50):8.1f} {opened.percentile(95):7.1f} "
                        f"{opened.errors:>6}")
        rows.append(f"2 / 1 replicas: {capacity[2] / capacity[1]:.2f}x the turns/s "
                    f"(same run, same machine: {os.cpu_count()} cores shared with the load "
                    "generator)")
        rows.append("One replica, threads per query embedding (DXE_EMBEDDING_THREADS):")
        by_threads: dict[int, float] = {}
        for threads in (1, 2):
            with app_replicas({**env, "DXE_EMBEDDING_THREADS": str(threads)}, 1,
                              tmp / f"threads-{threads}") as running:
                urls = running.urls
                asyncio.run(closed_loop(urls, questions, clients=4, seconds=2))
                closed = asyncio.run(closed_loop(urls, questions, clients, seconds))
                single = asyncio.run(closed_loop(urls, questions, 1, seconds / 2))
            by_threads[threads] = closed.rate
            rows.append(f"  {threads} thread(s): {closed.rate:6.1f} turns/s with {clients} "
                        f"clients (p95 {closed.percentile(95):.0f} ms); one client alone "
                        f"p50 {single.percentile(50):.1f} ms")
        rows.append(f"  1 / 2 threads: {by_threads[1] / by_threads[2]:.2f}x the turns/s")
    return rows


# --- profile --------------------------------------------------------------------------------------
PROFILE_SVG = PROJECT_ROOT / "docs" / "profile-direct-turn.svg"
PROFILE_PARTS = {  # label → a frame that marks the part in py-spy's collapsed stacks
    "query embedding (onnxruntime)": "_run (retrieval/onnx_backend.py",
    "database (SQLAlchemy)": "sqlalchemy",
    "storing the turn": "record (hotline/conversations/log.py",
    "FAISS search": "search_dense",
    "BM25 scoring": "sparse_scores (retrieval/index.py",
    "jieba tokenising": "tokenize (retrieval/tokenizer.py",
    "the whole search": "search (retrieval/searcher.py",
}


RASA_PROFILE_SVG = PROJECT_ROOT / "docs" / "profile-rasa-turn.svg"
RASA_PROFILE_PARTS = {  # label → a regex on py-spy's frames "function (path:line)"
    "NLU (the whole parse)": r"parse_message \([^)]*rasa/core/processor\.py",
    "  e5 dense features (onnxruntime)": r"e5_featurizer\.py",
    "  DIET intent classifier (TensorFlow)": r"rasa/nlu/classifiers/diet_classifier\.py",
    "  CRF entities": r"crf_entity_extractor\.py",
    "policies (predicting the next action)": r"predict_next_with_tracker_if_should \(",
    "tracker store (load + save)": r"rasa/core/tracker_store\.py",
    "our action server call": r"run \([^)]*rasa/core/actions/action\.py",
    "  checking its response (jsonschema)": r"_validate_action_result \(",
    "lock store": r"rasa/core/lock_store\.py",
}


def _record(py_spy: Path, pid: int, seconds: int, outputs: list[tuple[Path, str]],
            load: Callable[[], object]) -> None:
    """py-spy on ``pid`` for ``seconds`` while ``load()`` runs, once per (file, format)."""
    for output, fmt in outputs:
        spy = subprocess.Popen([str(py_spy), "record", "--pid", str(pid), "--duration",
                                str(seconds), "--rate", "100", "--format", fmt,
                                "--output", str(output), "--nonblocking"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        load()
        spy.wait(timeout=120)


def _shares(raw: Path, parts: dict[str, str]) -> tuple[int, list[tuple[str, int]]]:
    """Samples in py-spy's raw (collapsed) output, and how many match each part's regex."""
    patterns = {label: re.compile(pattern) for label, pattern in parts.items()}
    samples, counts = 0, dict.fromkeys(parts, 0)
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        samples += int(count)
        for label, pattern in patterns.items():
            counts[label] += int(count) if pattern.search(stack) else 0
    return samples, list(counts.items())


def bench_profile(questions: list[str], tmp: Path, seconds: int = 15) -> list[str]:
    """py-spy on one app process (direct mode) under 8 closed-loop clients: a flame graph in
    docs/ and the share of samples each part of the turn takes."""
    from api.supervisor import app_replicas
    from bench.load import closed_loop

    py_spy = Path(sys.executable).parent / "py-spy"
    env = {**os.environ, "DXE_DATABASE_URL": f"sqlite:///{tmp / 'profile.sqlite3'}",
           "DXE_RASA_URL": "", "DXE_RATE_LIMITS_ENABLED": "false",
           "DXE_ESCALATION_INTERVAL_SECONDS": "0"}
    raw = tmp / "stacks.txt"
    with app_replicas(env, 1, tmp / "profile") as running:
        urls, pid = running.urls, running.pids[0]
        asyncio.run(closed_loop(urls, questions, clients=4, seconds=2))
        _record(py_spy, pid, seconds, [(PROFILE_SVG, "flamegraph"), (raw, "raw")],
                lambda: asyncio.run(closed_loop(urls, questions, clients=8,
                                                seconds=seconds + 2)))
    samples, parts = _shares(raw, {label: re.escape(frame)
                                   for label, frame in PROFILE_PARTS.items()})
    rows = [f"Profile of the app under 8 clients (py-spy, {samples} samples; flame graph: "
            f"{PROFILE_SVG.relative_to(PROJECT_ROOT)}):"]
    rows += [f"  {label:<32} {100 * n / max(1, samples):5.1f}% of samples"
             for label, n in sorted(parts, key=lambda item: -item[1])]
    return rows


def bench_profile_rasa(questions: list[str], tmp: Path, seconds: int = 15) -> list[str]:
    """py-spy on the Rasa process while 8 clients chat through the whole stack: where
    Rasa's turn goes (flame graph in docs/)."""
    from bench.load import closed_loop

    py_spy = Path(sys.executable).parent / "py-spy"
    raw = tmp / "rasa-stacks.txt"
    settings = get_settings().model_copy(update={
        "DATABASE_URL": f"sqlite:///{tmp / 'rasa-profile.sqlite3'}",
        "RATE_LIMITS_ENABLED": False})
    try:
        with dialogue_stack(settings, tmp, DIALOGUE_TOKEN) as stack:
            asyncio.run(closed_loop([stack.app_url], questions, clients=4, seconds=2))
            _record(py_spy, stack.rasa.pid, seconds,
                    [(RASA_PROFILE_SVG, "flamegraph"), (raw, "raw")],
                    lambda: asyncio.run(closed_loop([stack.app_url], questions, clients=8,
                                                    seconds=seconds + 2)))
    except RuntimeError as exc:
        return [f"Rasa profile: skipped — {exc}"]
    samples, parts = _shares(raw, RASA_PROFILE_PARTS)
    rows = [f"Profile of the Rasa server while 8 clients chat through /api/chat (py-spy, "
            f"{samples} samples; flame graph: {RASA_PROFILE_SVG.relative_to(PROJECT_ROOT)}):"]
    rows += [f"  {label:<40} {100 * n / max(1, samples):5.1f}% of samples"
             for label, n in parts]
    return rows


# --- memory -------------------------------------------------------------------------------------
def _status_mb(pid: int, names: tuple[str, ...]) -> dict[str, float]:
    """Fields of /proc/PID/status given in kB, in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in names:
            fields[name] = int(value.split()[0]) / 1024
    return fields


def _rss_mb(pid: int) -> tuple[float, float]:
    """A process's resident set now and at its peak (VmRSS, VmHWM), in MB."""
    fields = _status_mb(pid, ("VmRSS", "VmHWM"))
    return fields.get("VmRSS", 0.0), fields.get("VmHWM", 0.0)


def rss_split(pid: int) -> str:
    """The resident set's private part and its file-backed part (mapped files: the libraries
    and the model weights, shared with other processes and reclaimable), as text."""
    fields = _status_mb(pid, ("RssAnon", "RssFile"))
    return f"(private {fields.get('RssAnon', 0):.0f} + mapped files {fields.get('RssFile', 0):.0f})"


def _session_rss(model: Path, inline: bool) -> float:
    """RSS growth of one onnxruntime session over the export, in a fresh interpreter:
    weights memory-mapped from model.onnx.data, or (the previous export) inside the graph."""
    probe = (
        "import sys, onnx, onnxruntime as ort\n"
        "def rss():\n"
        "    return next(int(l.split()[1]) for l in open('/proc/self/status')\n"
        "                if l.startswith('VmRSS')) / 1024\n"
        "inline = sys.argv[2] == '1'\n"
        "payload = onnx.load(sys.argv[1]).SerializeToString() if inline else sys.argv[1]\n"
        "before = rss()\n"
        "session = ort.InferenceSession(payload, providers=['CPUExecutionProvider'])\n"
        "del payload\n"
        "print(rss() - before)\n")
    result = subprocess.run([sys.executable, "-c", probe, str(model), "1" if inline else "0"],
                            capture_output=True, text=True, check=True)
    return float(result.stdout.strip().splitlines()[-1])


MEMORY_CHUNKS = 10_000  # issue #12: app RSS ≤ 600 MB at 10k chunks


def bench_memory(questions: list[str], tmp: Path) -> list[str]:
    """The app's RSS (direct mode, after answering), Rasa's, and the ONNX session's with
    memory-mapped weights against the previous inline export, in the same run."""
    settings = get_settings()
    model = Path(settings.EMBEDDING_MODEL) / "onnx" / "model.onnx"
    rows = ["Memory (MB):"]
    if model.exists():
        mapped, inline = _session_rss(model, inline=False), _session_rss(model, inline=True)
        rows.append(f"  one onnxruntime session of the e5 export: {mapped:.0f} with the weights "
                    f"memory-mapped, {inline:.0f} inline (previous export): "
                    f"{mapped / inline:.2f}x")
    from bench.memory_at_scale import bench_app_memory_at_scale, serve_and_measure

    env = {**os.environ, "DXE_DATABASE_URL": f"sqlite:///{tmp / 'memory.sqlite3'}",
           "DXE_RASA_URL": "", "DXE_RATE_LIMITS_ENABLED": "false"}
    try:
        now, peak, chunks, split = serve_and_measure(env, questions, free_port())
    except RuntimeError as exc:
        rows.append(f"  the app: not measured ({exc})")
    else:
        rows.append(f"  the app (direct mode, after 40 answers; index {chunks}): "
                    f"RSS {now:.0f} {split}, peak {peak:.0f}")
    rows.append(f"At {MEMORY_CHUNKS:,} chunks (bench/memory_at_scale.py):")
    rows += bench_app_memory_at_scale(MEMORY_CHUNKS, questions, tmp / "at-scale")
    try:
        with dialogue_stack(settings, tmp, secrets.token_urlsafe(24)) as running:
            with httpx.Client(timeout=30) as client:
                token = mint_token(running.settings.RASA_JWT_SECRET or "")
                for question in questions[:20]:
                    client.post(f"{running.rasa_url}/model/parse", json={"text": question},
                                headers={"Authorization": f"Bearer {token}"})
            now, peak = _rss_mb(running.rasa.pid)
            rows.append(f"  the Rasa server (model loaded, after 20 parses): RSS {now:.0f} "
                        f"{rss_split(running.rasa.pid)}, peak {peak:.0f}")
    except RuntimeError as exc:
        rows.append(f"  the Rasa server: not measured ({exc})")
    return rows


# --- the dialogue turn: bare Rasa vs. the whole stack -----------------------------------
# One message that Rasa answers by itself (a response, no custom action) and one that
# calls our action server (action_answer_from_knowledge → retrieval).
DIALOGUE_MESSAGES = (("chitchat", "你好"), ("policy", "高企认定需要满足哪些条件？"))
DIALOGUE_TOKEN = "bench-dialogue-token"


def _timed_post(client: httpx.Client, url: str, body: dict[str, str],
                headers: dict[str, str] | None = None) -> tuple[float, Any]:
    started = time.perf_counter()
    response = client.post(url, json=body, headers=headers)
    elapsed = (time.perf_counter() - started) * 1000
    response.raise_for_status()
    return elapsed, response.json()


def _measure_turns(app_url: str, rasa_url: str, turns: int, jwt_secret: str
                   ) -> dict[tuple[str, str], list[float]] | str:
    """Timings per (message kind, path), or what went wrong. The bare path carries the
    app's JWT too (Rasa's REST channel is guarded: bot/channels/guarded_rest.py)."""
    timings: dict[tuple[str, str], list[float]] = {}
    rasa_auth = {"Authorization": f"Bearer {mint_token(jwt_secret, lifetime=3600)}"}
    with httpx.Client(timeout=60) as client:
        for n in range(turns + 2):  # the first two rounds warm up and are not counted
            for kind, text in DIALOGUE_MESSAGES:
                bare = ("rasa", f"{rasa_url}/webhooks/rest/webhook",
                        {"sender": f"bench-bare-{kind}-{n}", "message": text})
                full = ("chat", f"{app_url}/api/chat",
                        {"session_id": new_session(client, app_url), "text": text})
                for path, url, body in (bare, full) if n % 2 else (full, bare):
                    elapsed, answer = _timed_post(client, url, body,
                                                  rasa_auth if path == "rasa" else None)
                    if path == "rasa" and not answer:
                        return f"Rasa gave no answer to {text!r}"
                    if path == "chat" and answer.get("degraded"):
                        return f"/api/chat answered {text!r} without Rasa (degraded)"
                    if n >= 2:
                        timings.setdefault((kind, path), []).append(elapsed)
    return timings


def bench_dialogue(tmp: Path, turns: int) -> list[str]:
    """Median and p95 of one turn sent straight to Rasa's REST webhook and through /api/chat.

    Each turn starts a fresh conversation (the same work on both paths: session start,
    NLU, policies, and for the policy question one call of our action server). The two
    paths alternate, so load from other processes hits both alike.
    """
    try:
        settings = get_settings().model_copy(update={
            "DATABASE_URL": f"sqlite:///{tmp / 'dialogue-bench.sqlite3'}",
            "RATE_LIMITS_ENABLED": False})
        with dialogue_stack(settings, tmp, DIALOGUE_TOKEN) as stack:
            timings = _measure_turns(stack.app_url, stack.rasa_url, turns,
                                     stack.settings.RASA_JWT_SECRET or "")
    except RuntimeError as exc:
        return [f"dialogue turn: skipped — {exc}"]
    if isinstance(timings, str):
        return [f"dialogue turn: failed — {timings}"]
    rows = [f"Dialogue turn through Rasa, {turns} turns per cell (fresh conversation each):",
            f"{'message':<10} {'Rasa webhook p50':>17} {'p95':>7} {'/api/chat p50':>14} "
            f"{'p95':>7} {'ratio p50':>10} {'ratio p95':>10}"]
    for kind, _text in DIALOGUE_MESSAGES:
        bare, full = timings[(kind, "rasa")], timings[(kind, "chat")]
        bare50, bare95 = percentile(bare, 50), percentile(bare, 95)
        full50, full95 = percentile(full, 50), percentile(full, 95)
        rows.append(f"{kind:<10} {bare50:14.1f} ms {bare95:7.1f} {full50:11.1f} ms "
                    f"{full95:7.1f} {full50 / bare50:9.2f}x {full95 / bare95:9.2f}x")
    return rows


async def _closed_loop_rasa(url: str, path: str, auth: dict[str, str], questions: list[str],
                            clients: int, seconds: float) -> tuple[float, float, float, int]:
    """Bare Rasa under the same closed loop: turns/s, p50, p95, errors. ``path`` is
    ``/model/parse`` (NLU alone) or the REST webhook (a whole turn, each client its own
    conversation)."""
    from bench.load import post_ok, run_closed, unique_texts

    texts = unique_texts(questions)
    senders = [f"bench-load-{n}-{secrets.token_hex(4)}" for n in range(clients)]
    async with httpx.AsyncClient(timeout=60, headers=auth) as client:
        def send(number: int) -> Awaitable[bool]:
            text = next(texts)
            body = {"text": text} if path == "/model/parse" else \
                {"sender": senders[number], "message": text}
            return post_ok(client, f"{url}{path}", body)

        result = await run_closed(clients, seconds, send)
    return result.rate, result.percentile(50), result.percentile(95), result.errors


def bench_stack_load(questions: list[str], tmp: Path, clients: int = 16,
                     seconds: float = 10.0) -> list[str]:
    """Capacity through the whole stack (/api/chat → Rasa → our actions → retrieval)
    beside bare Rasa (/model/parse, and its REST webhook with the same turns), same run;
    then latency at a fixed offered rate (the issue's 40/s, and 60 % of the capacity)."""
    from bench.load import closed_loop, open_loop

    settings = get_settings().model_copy(update={
        "DATABASE_URL": f"sqlite:///{tmp / 'stack-load.sqlite3'}", "RATE_LIMITS_ENABLED": False})
    try:
        with dialogue_stack(settings, tmp, DIALOGUE_TOKEN) as stack:
            auth = {"Authorization":
                    f"Bearer {mint_token(stack.settings.RASA_JWT_SECRET or '', lifetime=3600)}"}
            asyncio.run(closed_loop([stack.app_url], questions, clients=4, seconds=2))
            chat = asyncio.run(closed_loop([stack.app_url], questions, clients, seconds,
                                           through_dialogue=True))
            # open loop: the 40/s, and a rate below the capacity just measured
            steady = max(1.0, round(chat.rate * 0.6))
            offered = {rate: asyncio.run(open_loop([stack.app_url], questions, rate, seconds,
                                                   through_dialogue=True))
                       for rate in (40.0, steady)}
            webhook = asyncio.run(_closed_loop_rasa(stack.rasa_url, "/webhooks/rest/webhook",
                                                    auth, questions, clients, seconds))
            parse = asyncio.run(_closed_loop_rasa(stack.rasa_url, "/model/parse", auth,
                                                  questions, clients, seconds))
    except RuntimeError as exc:
        return [f"whole stack under load: skipped — {exc}"]
    rows = [f"Whole stack under load: {clients} closed-loop clients for {seconds:.0f} s each, "
            "every message a different question:",
            f"{'path':<36} {'turns/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'errors':>6}",
            f"{'/api/chat (app → Rasa → actions)':<36} {chat.rate:8.1f} "
            f"{chat.percentile(50):7.1f} {chat.percentile(95):7.1f} {chat.errors:>6}"]
    for label, (rate, p50, p95, errors) in (("Rasa REST webhook (the same turn)", webhook),
                                            ("Rasa /model/parse (NLU alone)", parse)):
        rows.append(f"{label:<36} {rate:8.1f} {p50:7.1f} {p95:7.1f} {errors:>6}")
    rows.append(f"/api/chat / Rasa webhook: {chat.rate / webhook[0]:.2f}x the turns/s; "
                f"/api/chat / parse: {chat.rate / parse[0]:.2f}x")
    rows.append(f"Open loop through /api/chat, {seconds:.0f} s at a fixed rate (latency from "
                "each message's scheduled time, so a growing queue shows):")
    for rate, result in offered.items():
        rows.append(f"  {rate:5.0f} turns/s offered: p50 {result.percentile(50):8.1f} ms, "
                    f"p95 {result.percentile(95):8.1f} ms, errors {result.errors}, "
                    f"all answered after {result.seconds:.1f} s")
    return rows


def bench_rasa_replicas(questions: list[str], tmp: Path, clients: int = 16,
                        seconds: float = 10.0) -> list[str]:
    """Capacity of the whole stack with 1 and 2 Rasa processes sharing their conversations
    (PostgreSQL tracker store, Redis lock store; the app spreads conversations over them)."""
    from api.supervisor import shared_store_environment
    from bench.load import closed_loop

    rows = [f"Rasa processes on the PostgreSQL tracker + Redis lock store, whole stack "
            f"(/api/chat), {clients} closed-loop clients for {seconds:.0f} s:",
            f"{'Rasa':>5} {'turns/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'errors':>6}"
            "   (a turn answered without Rasa counts as an error)"]
    capacity: dict[int, float] = {}
    with postgres_database() as tracker:
        if tracker is None:
            return rows + ["  (no PostgreSQL on 127.0.0.1:5432: skipped)"]
        for count in (1, 2):
            settings = get_settings().model_copy(update={
                "DATABASE_URL": f"sqlite:///{tmp / f'rasa-replicas-{count}.sqlite3'}",
                "RATE_LIMITS_ENABLED": False})
            stores = shared_store_environment(tracker, BENCH_REDIS_URL,
                                              f"dxebench{secrets.token_hex(4)}")
            workdir = tmp / f"rasa-replicas-{count}"
            workdir.mkdir()
            try:
                with dialogue_stack(settings, workdir, DIALOGUE_TOKEN, rasa_replicas=count,
                                    shared_stores=stores) as stack:
                    asyncio.run(closed_loop([stack.app_url], questions, clients=4, seconds=2))
                    result = asyncio.run(closed_loop([stack.app_url], questions, clients,
                                                     seconds, through_dialogue=True))
            except RuntimeError as exc:
                return rows + [f"  {count} Rasa: skipped — {exc}"]
            capacity[count] = result.rate
            rows.append(f"{count:>5} {result.rate:8.1f} {result.percentile(50):7.1f} "
                        f"{result.percentile(95):7.1f} {result.errors:>6}")
    rows.append(f"2 / 1 Rasa processes: {capacity[2] / capacity[1]:.2f}x the turns/s "
                f"(one machine, {os.cpu_count()} cores shared by the app, both Rasa processes, "
                "PostgreSQL, Redis and the load generator)")
    return rows


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks and print their tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--quick", action="store_true",
                        help="latency tables only (query embedding, scale, chat, dialogue): "
                             "without memory, load / scale-out and aggregates")
    parser.add_argument("--passages", type=int, default=256,
                        help="synthetic chunks embedded by each backend for the passage rate")
    parser.add_argument("--dialogue-turns", type=int, default=40,
                        help="turns per message and path for the Rasa turn (0 skips it)")
    parser.add_argument("--only-dialogue", action="store_true",
                        help="run only the dialogue-turn benchmark")
    parser.add_argument("--load", action="store_true",
                        help="run only the load tables: 1 vs 2 app replicas, threads, and the "
                             "whole stack beside bare Rasa (bounded, 127.0.0.1)")
    parser.add_argument("--profile", action="store_true",
                        help="run only the profile: py-spy flame graph of the app under load")
    parser.add_argument("--memory", action="store_true",
                        help="run only the memory table (app, Rasa, ONNX session)")
    parser.add_argument("--only-scale", action="store_true",
                        help="run only the retrieval-at-scale table (flat vs HNSW)")
    parser.add_argument("--only-query-embedding", action="store_true",
                        help="run only the query-embedding table (torch vs onnx)")
    parser.add_argument("--only-aggregates", action="store_true",
                        help="run only the dashboard / problem-list table at many logged "
                             "turns (full scan vs daily rollups)")
    parser.add_argument("--aggregate-turns", type=int, default=1_000_000,
                        help="logged turns generated for --only-aggregates")
    parser.add_argument("--aggregate-repeat", type=int, default=1,
                        help="requests timed per case for --only-aggregates (the median)")
    args = parser.parse_args(argv)
    if args.only_aggregates:
        for line in bench_aggregates(args.aggregate_turns, args.aggregate_repeat):
            print(line, flush=True)
        return 0
    if args.profile:
        with tempfile.TemporaryDirectory() as tmp:
            print("\n".join(bench_profile(_load_questions(), Path(tmp))))
            print()
            print("\n".join(bench_profile_rasa(_load_questions(), Path(tmp))))
        return 0
    if args.memory:
        with tempfile.TemporaryDirectory() as tmp:
            print("\n".join(bench_memory(_load_questions(), Path(tmp))))
        return 0
    if args.load:
        with tempfile.TemporaryDirectory() as tmp:
            print("\n".join(bench_replicas(_load_questions(), Path(tmp))))
            print()
            print("\n".join(bench_stack_load(_load_questions(), Path(tmp))))
            print()
            print("\n".join(bench_rasa_replicas(_load_questions(), Path(tmp))))
        return 0
    if args.only_dialogue:
        with tempfile.TemporaryDirectory() as tmp:
            print("\n".join(bench_dialogue(Path(tmp), args.dialogue_turns)))
        return 0
    settings = get_settings()
    queries = _queries()
    if not args.only_scale:
        print("\n".join(bench_query_embedding(settings.EMBEDDING_MODEL, queries,
                                              settings.QUERY_PROMPT, settings.PASSAGE_PROMPT)))
        print()
    if args.only_query_embedding:
        return 0
    # what the app uses (DXE_EMBEDDING_BACKEND): the search column includes the query embedding
    embedder = Embedder(settings.EMBEDDING_MODEL, settings.QUERY_PROMPT, settings.PASSAGE_PROMPT,
                        backend=settings.EMBEDDING_BACKEND)
    knowledge = load_knowledge_base()
    sentences = [s for chunk in knowledge.chunks() for s in split_sentences(chunk.text)]
    print("\n".join(bench_passage_embedding(settings.EMBEDDING_MODEL,
                                            _synthetic_texts(sentences, args.passages, seed=11),
                                            settings.QUERY_PROMPT, settings.PASSAGE_PROMPT)))
    print()
    print(f"Retrieval at scale ({embedder.backend} backend; synthetic chunks, vectors scattered "
          "around 1k real embeddings; the app picks HNSW from "
          f"{HNSW_MIN_UNITS:,} units; old = the search before issue #12, alternating with new):")
    print("\n".join(bench_scale(embedder, [int(s) for s in args.sizes.split(",")], queries)))
    if args.only_scale:
        return 0
    print()
    with tempfile.TemporaryDirectory() as tmp:
        print("\n".join(bench_chat(queries, Path(tmp))))
    if args.dialogue_turns > 0:
        print()
        with tempfile.TemporaryDirectory() as tmp:
            print("\n".join(bench_dialogue(Path(tmp), args.dialogue_turns)))
    if args.quick:
        return 0
    # the rest of issue #12's tables: memory, load and scale-out, aggregates
    print()
    with tempfile.TemporaryDirectory() as tmp:
        print("\n".join(bench_memory(_load_questions(), Path(tmp))), flush=True)
    print()
    with tempfile.TemporaryDirectory() as tmp:
        print("\n".join(bench_replicas(_load_questions(), Path(tmp))), flush=True)
        print()
        print("\n".join(bench_stack_load(_load_questions(), Path(tmp))), flush=True)
        print()
        print("\n".join(bench_rasa_replicas(_load_questions(), Path(tmp))), flush=True)
    print()
    for line in bench_aggregates(args.aggregate_turns, args.aggregate_repeat):
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
