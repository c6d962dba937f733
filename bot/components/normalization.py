"""Length-preserving normalisation: the same intent as ``knowledge.text.normalize_text``.

The app normalises what users type before retrieval (NFKC, traditional → simplified with
zhconv, lower-case Latin, control characters dropped, whitespace collapsed). Rasa's
entity annotations and token offsets refer to the raw text, so the tokenizer cannot use
that function as it is: dropping or collapsing characters would shift every offset after
them. :func:`normalize_preserving_length` applies the same three mappings **one character
at a time**, and only where the mapping yields exactly one character:

- NFKC: full-width Latin, digits and punctuation → ASCII (``ＡＢＣ１２３，`` → ``abc123,``),
  the ideographic space → a space; multi-character expansions (``㎡`` → ``m2``, ``½``) are
  left as they are;
- zhconv ``zh-cn`` per character (``東湖高新區`` → ``东湖高新区``). zhconv's phrase table is
  not consulted, so the few characters whose simplified form depends on the word
  (乾 in 乾隆 vs 乾燥) take their single-character mapping — for matching intents this is
  the same choice the character n-grams would see;
- lower-case (``ABC`` → ``abc``), unless that changes the length (``İ``); optional.

Control characters and whitespace runs are kept (the app drops / collapses them); jieba
makes whitespace its own tokens and the featurizers skip nothing for it.

The module imports only ``unicodedata`` and ``zhconv``, so it runs in either venv.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import zhconv


@lru_cache(maxsize=65536)
def normalize_char(char: str, lowercase: bool = True) -> str:
    """One character's canonical form, always exactly one character."""
    folded = unicodedata.normalize("NFKC", char)
    if len(folded) != 1:
        folded = char
    simplified = zhconv.convert(folded, "zh-cn")
    if len(simplified) == 1:
        folded = simplified
    if not lowercase:
        return folded
    lowered = folded.lower()
    return lowered if len(lowered) == 1 else folded


def normalize_preserving_length(text: str, lowercase: bool = True) -> str:
    """``text`` with every character normalised; ``len(result) == len(text)``.

    ``lowercase=False`` keeps the case of Latin letters (the tokenizer's choice: the CRF
    reads case as a feature, and the CountVectorsFeaturizers lower-case by themselves).

    >>> normalize_preserving_length("東湖高新區ＡＢＣ公司，電話１２３")
    '东湖高新区abc公司,电话123'
    >>> normalize_preserving_length("東湖高新區ＡＢＣ公司", lowercase=False)
    '东湖高新区ABC公司'
    """
    return "".join(normalize_char(char, lowercase) for char in text)
