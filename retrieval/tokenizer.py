"""Chinese tokenisation for keyword search: jieba with the domain dictionary."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable, Mapping

import jieba

from knowledge.text import normalize_text

# Function words and chat filler that carry no topic; everything else is kept.
STOPWORDS = frozenset(
    ["的", "了", "吗", "呢", "吧", "啊", "呀", "嘛", "么", "哦", "喔", "哈", "是", "在", "有", "和", "与", "及", "或", "等", "就", "都", "也", "还", "又", "要", "会", "能", "可以", "可", "不", "没", "没有", "请问", "请", "问", "问下", "一下", "下", "咨询", "你好", "您好", "我", "我们", "我司", "你", "你们", "您", "他", "它", "这", "那", "这个", "那个", "哪个", "哪些", "什么", "怎么", "怎么样", "怎样", "如何", "为什么", "多少", "几", "吗?", "个", "之", "其", "对", "把", "被", "给", "从", "向", "到", "让", "上", "中", "里", "想", "想问", "一个", "需要", "应该", "是否", "能否", "办", "弄", "搞", "现在", "今年", "的话", "怎么办", "咋办", "咋", "咋弄", "怎么弄", "怎么搞", "不", "能不能", "行不行", "可不可以", "好不好", "有没有", "是不是", "谁", "哪", "哪里", "哪儿"]
)
_TOKEN_RE = re.compile(r"[\w+]+", re.UNICODE)
jieba.setLogLevel(logging.WARNING)


class ChineseTokenizer:
    """Tokenise text for BM25: normalise, cut with jieba (search mode), drop stopwords,
    and add the canonical form of known abbreviations (高企 → 高新技术企业).
    """

    def __init__(self, vocabulary: Iterable[str] = (),
                 synonyms: Mapping[str, str] | None = None) -> None:
        self._jieba = jieba.Tokenizer()
        self._vocabulary = sorted({normalize_text(w) for w in vocabulary if w.strip()})
        for word in self._vocabulary:
            self._jieba.add_word(word, freq=50_000)
        self._synonyms = {normalize_text(k): normalize_text(v) for k, v in (synonyms or {}).items()}
        for word in (*self._synonyms, *self._synonyms.values()):
            for part in word.split():
                self._jieba.add_word(part, freq=50_000)

    @property
    def fingerprint(self) -> str:
        """Identifies the vocabulary and synonyms; an index built with another one is stale."""
        digest = hashlib.sha256("\n".join(self._vocabulary).encode())
        digest.update(repr(sorted(self._synonyms.items())).encode())
        return digest.hexdigest()[:16]

    def tokenize(self, text: str, expand: bool = True) -> list[str]:
        """Tokens of a text; with ``expand``, synonyms' canonical tokens are appended."""
        normalized = normalize_text(text)
        tokens = [
            token for token in self._jieba.cut_for_search(normalized)
            if _TOKEN_RE.fullmatch(token) and token not in STOPWORDS
        ]
        if expand:
            extra = [part for token in tokens if token in self._synonyms
                     for part in self._jieba.cut_for_search(self._synonyms[token])
                     if _TOKEN_RE.fullmatch(part) and part not in STOPWORDS]
            tokens.extend(extra)
        return tokens
