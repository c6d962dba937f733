"""Company names against a registry's names: the same company, candidates, or nothing.

The decision (never a guess):

1. **same company** — entries whose key (``names.company_key``) equals the question's; or,
   when the question is a short name, the one entry whose key is the question's key
   followed only by industry words (光谷芯材 → 光谷芯材科技) — if two entries qualify
   (光谷芯材科技, 光谷芯材生物科技) they are candidates instead;
2. **candidates** — entries whose distinctive part contains the question's, or whose key
   scores at least :data:`CANDIDATE_SCORE` with rapidfuzz's ``WRatio`` (typos, a word
   more or less), best first, at most :data:`MAX_CANDIDATES`;
3. **none** otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from rapidfuzz import fuzz, process

from hotline.registries.names import company_key, distinctive_part, only_industry_words

T = TypeVar("T")
CANDIDATE_SCORE = 80.0
MAX_CANDIDATES = 5
MIN_KEY = 2  # a one-character key (芯) would be found in too many names


@dataclass(frozen=True, slots=True)
class NameMatch(Generic[T]):
    """The outcome: ``same`` (items are that company's entries), ``candidates`` (best
    first, at most MAX_CANDIDATES; ``total`` how many qualified) or ``none``."""

    outcome: Literal["same", "candidates", "none"]
    items: list[T]
    total: int = 0


class CompanyMatcher(Generic[T]):
    """The registered names of one registry version, ready for questions."""

    def __init__(self, entries: Iterable[tuple[str, T]]) -> None:
        self._names: list[str] = []
        self._items: list[T] = []
        self._keys: list[str] = []
        self._distinctive: list[str] = []
        for name, item in entries:
            key = company_key(name)
            if not key:
                continue
            self._names.append(name)
            self._items.append(item)
            self._keys.append(key)
            self._distinctive.append(distinctive_part(key))

    def __len__(self) -> int:
        return len(self._items)

    def match(self, question: str) -> NameMatch[T]:
        """What the registry holds for the company named ``question``."""
        key = company_key(question)
        if len(key) < MIN_KEY:
            return NameMatch("none", [])
        same = [n for n, k in enumerate(self._keys) if k == key]
        if same:
            return NameMatch("same", [self._items[n] for n in same], len(same))
        longer = [n for n, k in enumerate(self._keys)
                  if k.startswith(key) and only_industry_words(k[len(key):])]
        if len(longer) == 1:
            return NameMatch("same", [self._items[longer[0]]], 1)
        scores: dict[int, float] = {n: 100.0 for n in longer}
        part = distinctive_part(key)
        for n, distinctive in enumerate(self._distinctive):
            if len(part) >= MIN_KEY and part in distinctive:
                scores[n] = max(scores.get(n, 0.0), 90.0 + fuzz.ratio(key, self._keys[n]) / 10)
        for _key, score, n in process.extract(key, self._keys, scorer=fuzz.WRatio,
                                              score_cutoff=CANDIDATE_SCORE, limit=50):
            scores[n] = max(scores.get(n, 0.0), float(score))
        if not scores:
            return NameMatch("none", [])
        ranked = sorted(scores, key=lambda n: (-scores[n], self._names[n]))
        unique: list[int] = []
        for n in ranked:  # one button per registered name
            if all(self._names[n] != self._names[m] for m in unique):
                unique.append(n)
        return NameMatch("candidates", [self._items[n] for n in unique[:MAX_CANDIDATES]],
                         len(unique))
