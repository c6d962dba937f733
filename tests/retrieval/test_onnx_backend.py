"""The onnxruntime backend embeds exactly like sentence-transformers, and is chosen per the setting."""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

from knowledge.models import DocKind  # noqa: E402
from retrieval.build import tokenizer_for  # noqa: E402
from retrieval.calibration import Calibration  # noqa: E402
from retrieval.embedder import Embedder  # noqa: E402
from retrieval.embedding.onnx_export import (  # noqa: E402
    ONNX_SUBDIR,
    export_onnx,
    is_up_to_date,
)
from retrieval.errors import EmbeddingModelError  # noqa: E402
from retrieval.onnx_backend import (  # noqa: E402
    OnnxSentenceEncoder,
    OnnxUnsupported,
    default_threads,
    unsupported_reason,
)
from retrieval.searcher import HybridSearcher  # noqa: E402
from retrieval.store import IndexStore  # noqa: E402
from tests.paths import PROJECT_ROOT  # noqa: E402

pytestmark = pytest.mark.slow

MIN_COSINE = 0.99999

HANDWRITTEN = [
    # English
    "How do I apply for high-tech enterprise certification?",
    "Who is the liaison for Optics Valley (East Lake High-tech Zone)?",
    "WHAT DOCUMENTS ARE REQUIRED",
    "work permit for foreigners in Wuhan",
    "my ticket number is DXE20250312-4F9A1C, any update?",
    "Qingshan district contact person",
    "hello",
    "thanks!",
    # mixed
    "高企 application 需要什么材料",
    "光谷的 liaison 电话是多少？",
    "我想问一下 R&D 费用加计扣除",
    "AI 人工智能 产业政策",
    "5G基站建设补贴 how much",
    "工单DXE20250312-4F9A1C进度",
    "电话13912345678，公司：武汉星河科技有限公司",
    "email: test@example.com 联系我",
    "https://kjj.wuhan.gov.cn/ 上的通知",
    # traditional / full-width
    "高新技術企業認定需要什麼材料",
    "光谷的企業找誰？",
    "外國人來華工作許可怎麼辦理",
    "問題整改清單限期整改是怎麼規定的",
    "科技局包區是怎麼回事",
    "ＡＢＣ１２３　全角字符",
    "（八）优化高企认定服务流程。",
    "“店小二”服务是什么意思",
    # colloquial, short, punctuation
    "高企",
    "光谷",
    "？",
    "。。。",
    "嗯",
    "转人工",
    "我要转人工！！！",
    "材料交了两个月没消息，太差了",
    "明天武汉下不下雨",
    "😀👍 好评",
    "1234567890",
    "第（十五）条",
    # text that looks like special tokens (split_special_tokens: they are plain text)
    "<s>",
    "</s>",
    "<mask> 是什么",
    "<pad><pad>",
    "<unk> token",
    # whitespace and control characters
    "",
    " ",
    "   ",
    "\n",
    "\t高企\t",
    "  前后有空格  ",
    "换行\n之后\n还有",
    "零宽\u200b字符",
    "\u3000全角空格",
    "a",
]


def _long_texts(knowledge) -> list[str]:  # type: ignore[no-untyped-def]
    """Texts around and far beyond the model's 512 tokens (truncated alike)."""
    bodies = [chunk.text for chunk in knowledge.chunks()]
    joined = "".join(bodies)
    return [joined[:300], joined[:600], joined[:1200], joined[:5000],
            " ".join(["high-tech enterprise certification"] * 120),
            "光谷" * 600, "a" * 3000, "高企 high-tech " * 200]


@pytest.fixture(scope="module")
def texts(knowledge) -> list[str]:  # type: ignore[no-untyped-def]
    """≥ 200 varied strings: FAQ questions and paraphrases, clause bodies, long texts,
    English, mixed, traditional and edge cases."""
    faq = [text for doc in knowledge.documents if doc.kind == DocKind.FAQ
           for chunk in doc.chunks for text in chunk.search_texts]
    bodies = [chunk.text for chunk in knowledge.chunks()]
    chosen = [*HANDWRITTEN, *faq[::3], *bodies[::4], *_long_texts(knowledge)]
    assert len(chosen) >= 200
    return chosen


def _linked_copy(source: Path, target: Path, with_export: bool) -> Path:
    """The model folder as symlinks (no 470 MB copy), with or without its ONNX export."""
    for path in source.rglob("*"):
        relative = path.relative_to(source)
        if path.is_dir() or (relative.parts[0] == ONNX_SUBDIR and not with_export):
            continue
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        (target / relative).symlink_to(path.resolve())
    return target


@pytest.fixture(scope="module")
def exported_model(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model folder with a current ONNX export: `make setup`'s, else one made here."""
    if is_up_to_date(model_dir):
        return model_dir
    copy = _linked_copy(model_dir, tmp_path_factory.mktemp("onnx-backend-model"), False)
    export_onnx(copy)
    return copy


@pytest.fixture(scope="module")
def onnx_embedder(exported_model: Path) -> Embedder:
    embedder = Embedder(str(exported_model), backend="onnx")
    assert embedder.backend == "onnx"
    return embedder


def _check_same(onnx: np.ndarray, torch: np.ndarray) -> float:
    assert onnx.shape == torch.shape and onnx.dtype == np.float32
    assert np.allclose(np.linalg.norm(onnx, axis=1), 1.0, atol=1e-5)
    worst = float((onnx * torch).sum(axis=1).min())
    assert worst >= MIN_COSINE, worst
    return worst


def test_the_torch_fixture_is_sentence_transformers(embedder) -> None:  # type: ignore[no-untyped-def]
    assert embedder.backend == "torch"


def test_same_tokens_as_sentence_transformers(onnx_embedder, embedder, texts) -> None:  # type: ignore[no-untyped-def]
    encoder: OnnxSentenceEncoder = onnx_embedder._onnx
    model = embedder._model
    for prompt in (embedder.query_prompt, embedder.passage_prompt):
        prompted = [prompt + text for text in texts]
        ours = encoder.token_ids(prompted)
        for text, ids in zip(prompted, ours, strict=True):
            reference = model.preprocess([text])["input_ids"][0].tolist()
            assert ids == reference, text
    assert max(len(ids) for ids in ours) == encoder.max_length == 512


def test_query_vectors_equal_sentence_transformers(onnx_embedder, embedder, texts) -> None:  # type: ignore[no-untyped-def]
    assert onnx_embedder.query_prompt == embedder.query_prompt == "query: "
    _check_same(onnx_embedder.encode_queries(texts), embedder.encode_queries(texts))


def test_passage_vectors_equal_sentence_transformers(onnx_embedder, embedder, texts) -> None:  # type: ignore[no-untyped-def]
    assert onnx_embedder.passage_prompt == embedder.passage_prompt == "passage: "
    _check_same(onnx_embedder.encode_passages(texts), embedder.encode_passages(texts))


def test_one_at_a_time_equals_batched(onnx_embedder, texts) -> None:  # type: ignore[no-untyped-def]
    sample = texts[::7]
    batched = onnx_embedder.encode_queries(sample)
    single = np.vstack([onnx_embedder.encode_queries([text]) for text in sample])
    assert (batched * single).sum(axis=1).min() >= MIN_COSINE


def test_prompts_given_here_override_the_models(exported_model: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    onnx = Embedder(str(exported_model), query_prompt="", passage_prompt="文档：",
                    backend="onnx")
    assert (onnx.query_prompt, onnx.passage_prompt) == ("", "文档：")
    bare = onnx.encode_queries(["光谷的企业找谁", ""])
    reference = embedder._model.encode(["光谷的企业找谁", ""], normalize_embeddings=True)
    _check_same(bare, reference)
    assert onnx.fingerprint != embedder.fingerprint  # other prompts, another index


def test_empty_input_and_fingerprint(onnx_embedder, embedder) -> None:  # type: ignore[no-untyped-def]
    assert onnx_embedder.encode_queries([]).shape == (0, 384)
    assert onnx_embedder.encode_passages([]).shape == (0, 384)
    # the index manifest's model fingerprint does not depend on the backend
    assert onnx_embedder.fingerprint == embedder.fingerprint
    assert onnx_embedder.dimension == embedder.dimension == 384


def test_concurrent_calls_give_the_sequential_vectors(onnx_embedder, texts) -> None:  # type: ignore[no-untyped-def]
    sample = texts[:48]
    sequential = [onnx_embedder.encode_queries([text])[0] for text in sample]
    with ThreadPoolExecutor(max_workers=8) as pool:
        concurrent = list(pool.map(lambda text: onnx_embedder.encode_queries([text])[0],
                                   sample * 3))
    for n, vector in enumerate(concurrent):
        assert np.allclose(vector, sequential[n % len(sample)], atol=1e-6)


def test_threads_are_capped(onnx_embedder) -> None:  # type: ignore[no-untyped-def]
    assert 1 <= default_threads() <= min(4, os.cpu_count() or 1)
    assert onnx_embedder.threads == default_threads()
    options = onnx_embedder._onnx._session.get_session_options()
    assert options.intra_op_num_threads == default_threads()


# --- which backend ----------------------------------------------------------------------

def test_auto_picks_onnx_when_the_export_is_current(exported_model: Path) -> None:
    assert Embedder(str(exported_model), backend="auto").backend == "onnx"


def test_unknown_backend_is_refused(exported_model: Path) -> None:
    with pytest.raises(EmbeddingModelError, match="not one of"):
        Embedder(str(exported_model), backend="cuda")  # type: ignore[arg-type]


def test_without_an_export_auto_is_torch_and_onnx_an_error(exported_model: Path,
                                                           tmp_path: Path) -> None:
    bare = _linked_copy(exported_model, tmp_path / "model", with_export=False)
    assert "no ONNX export" in (unsupported_reason(bare) or "")
    with pytest.raises(EmbeddingModelError, match="no ONNX export"):
        Embedder(str(bare), backend="onnx")
    fallback = Embedder(str(bare), backend="auto")
    assert fallback.backend == "torch"
    assert fallback.fingerprint == Embedder(str(exported_model), backend="onnx").fingerprint


def test_a_stale_export_is_not_used(exported_model: Path, tmp_path: Path) -> None:
    copy = _linked_copy(exported_model, tmp_path / "model", with_export=True)
    modules = copy / "modules.json"
    content = json.loads(modules.read_text(encoding="utf-8"))
    modules.unlink()
    modules.write_text(json.dumps(content), encoding="utf-8")  # same modules, other bytes
    assert unsupported_reason(copy) is None  # a model it could run …
    with pytest.raises(OnnxUnsupported, match="not the export"):
        OnnxSentenceEncoder(copy)  # … but not with this export
    with pytest.raises(EmbeddingModelError, match="not the export"):
        Embedder(str(copy), backend="onnx")


@pytest.mark.parametrize(("file", "change", "reason"), [
    ("1_Pooling/config.json", {"pooling_mode_mean_tokens": False,
                               "pooling_mode_cls_token": True}, "pooling"),
    ("1_Pooling/config.json", {"include_prompt": False}, "prompt"),
    ("sentence_bert_config.json", {"do_lower_case": True}, "do_lower_case"),
    ("config_sentence_transformers.json", {"default_prompt_name": "query"}, "default prompt"),
])
def test_models_it_cannot_reproduce_are_refused(exported_model: Path, tmp_path: Path,
                                                file: str, change: dict[str, object],
                                                reason: str) -> None:
    copy = _linked_copy(exported_model, tmp_path / "model", with_export=True)
    target = copy / file
    content = {**json.loads(target.read_text(encoding="utf-8")), **change}
    target.unlink()
    target.write_text(json.dumps(content), encoding="utf-8")
    assert reason in (unsupported_reason(copy) or "")
    with pytest.raises(EmbeddingModelError, match=reason):
        Embedder(str(copy), backend="onnx")


def test_a_modules_list_with_a_dense_layer_is_refused(exported_model: Path,
                                                      tmp_path: Path) -> None:
    copy = _linked_copy(exported_model, tmp_path / "model", with_export=True)
    modules = json.loads((copy / "modules.json").read_text(encoding="utf-8"))
    modules.insert(2, {"idx": 2, "name": "2", "path": "2_Dense",
                       "type": "sentence_transformers.models.Dense"})
    (copy / "modules.json").unlink()
    (copy / "modules.json").write_text(json.dumps(modules), encoding="utf-8")
    assert "modules" in (unsupported_reason(copy) or "")


def test_the_setting_names_the_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    from hotline.settings import Settings

    monkeypatch.delenv("DXE_EMBEDDING_BACKEND", raising=False)
    assert Settings(_env_file=None).EMBEDDING_BACKEND == "auto"
    for value in ("onnx", "torch"):
        monkeypatch.setenv("DXE_EMBEDDING_BACKEND", value)
        backend = Settings(_env_file=None).EMBEDDING_BACKEND
        assert backend == value
    monkeypatch.setenv("DXE_EMBEDDING_BACKEND", "cuda")
    with pytest.raises(ValidationError):
        Settings(_env_file=None)


# --- search ------------------------------------------------------------------------------

def test_search_ranks_equal_torchs_on_the_faq_questions(  # type: ignore[no-untyped-def]
        knowledge, embedder, onnx_embedder, index_dir: Path) -> None:
    index = IndexStore(index_dir).load_current()
    index.manifest.check(model_fingerprint=onnx_embedder.fingerprint,
                         tokenizer_fingerprint=tokenizer_for(knowledge).fingerprint,
                         document_versions=knowledge.versions())
    calibration = Calibration.load(PROJECT_ROOT / "eval" / "calibration.json")
    searchers = {name: HybridSearcher(index, backend, tokenizer_for(knowledge), calibration)
                 for name, backend in (("torch", embedder), ("onnx", onnx_embedder))}
    questions = [chunk.search_texts[0] for doc in knowledge.documents
                 if doc.kind == DocKind.FAQ for chunk in doc.chunks if chunk.search_texts]
    assert len(questions) >= 100
    for question in questions:
        torch_hits = searchers["torch"].search(question, k=5).hits
        onnx_hits = searchers["onnx"].search(question, k=5).hits
        assert [hit.chunk_id for hit in onnx_hits] == [hit.chunk_id for hit in torch_hits], \
            question
        assert np.allclose([hit.score for hit in onnx_hits],
                           [hit.score for hit in torch_hits], atol=1e-4)

