"""Place names written with the wrong characters: what a pinyin keyboard slip makes of them.

Enterprises type on phones with pinyin input, so a place name often arrives as a homophone
("红山区" for 洪山区, "菜甸" for 蔡甸, "顿口" for 沌口) or with a near-homophone of the
"fuzzy pinyin" kind many IMEs offer (zh/z, ch/c, sh/s, n/l, -ng/-n: "黄坡" for 黄陂 is 陂's
reading po). :class:`HomophoneMatcher` finds such spellings of known names in a text.

It is deliberately strict, because it only runs when no name is written correctly and only
where a message asks who serves a place:

* a name is 2–8 Chinese characters; the written window has the same length;
* every character sounds like the name's (any reading of either, toneless); two-character
  names need exact readings, longer names may use the fuzzy pairs;
* at least one character is the name's own, and at most half of them differ;
* the window starts and ends on word boundaries (jieba's segmentation), so a name is not
  heard across two words ("服务湖北" holds no 武湖, "武汉哪里" no 汉南);
* the longest name wins; of equal length, the one with fewer changed characters.

Example::

    >>> matcher = HomophoneMatcher({"洪山区": "洪山区", "蔡甸": "蔡甸区"})
    >>> [(heard.written, heard.name) for heard in matcher.find("我们在红山区，找谁")]
    [('红山区', '洪山区')]
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, TypeVar

import jieba
from pypinyin import Style, pinyin

from knowledge.text import normalize_text

T = TypeVar("T")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("l", "n"))
MIN_CHARS, MAX_CHARS = 2, 8


@lru_cache(maxsize=8192)
def readings(char: str) -> frozenset[str]:
    """Every toneless reading of one character (empty for anything but a Chinese one)."""
    if not _HAN.fullmatch(char):
        return frozenset()
    return frozenset(pinyin(char, style=Style.NORMAL, heteronym=True)[0])


def fuzzy(syllable: str) -> str:
    """The fuzzy-pinyin form: zh→z, ch→c, sh→s, l→n, final -ng→-n."""
    for long, short in _FUZZY_INITIALS:
        if syllable.startswith(long):
            syllable = short + syllable[len(long):]
            break
    return syllable[:-1] if syllable.endswith("ng") and len(syllable) > 2 else syllable


@lru_cache(maxsize=8192)
def fuzzy_readings(char: str) -> frozenset[str]:
    """The fuzzy forms of a character's readings."""
    return frozenset(fuzzy(reading) for reading in readings(char))


def sounds_alike(written: str, name: str, *, allow_fuzzy: bool) -> bool:
    """Whether two characters can be read alike (exactly, or with the fuzzy pairs)."""
    if written == name:
        return True
    if readings(written) & readings(name):
        return True
    return allow_fuzzy and bool(fuzzy_readings(written) & fuzzy_readings(name))


def word_boundaries(text: str) -> frozenset[int]:
    """The offsets where jieba's words begin or end (0 and ``len(text)`` included)."""
    return frozenset(position for _word, start, end in jieba.tokenize(text)
                     for position in (start, end)) | {0, len(text)}


@dataclass(frozen=True, slots=True)
class Heard(Generic[T]):
    """A known name written as a homophone: ``written`` at ``start``…``end`` of the
    normalised text stands for ``name``."""

    written: str
    name: str
    start: int
    end: int
    changed: int  # how many characters differ
    target: T


class HomophoneMatcher(Generic[T]):
    """Finds names of ``names`` (name → target) written with sound-alike characters."""

    def __init__(self, names: Mapping[str, T]) -> None:
        self._by_length: dict[int, dict[str, T]] = {}
        # (length, position, character) → names with that character there: a window is only
        # compared with names it shares a character with (at least one must be the same)
        self._sharing: dict[tuple[int, int, str], list[str]] = {}
        for name, target in names.items():
            key = normalize_text(name)
            if MIN_CHARS <= len(key) <= MAX_CHARS and all(_HAN.fullmatch(c) for c in key):
                self._by_length.setdefault(len(key), {})[key] = target
                for position, char in enumerate(key):
                    self._sharing.setdefault((len(key), position, char), []).append(key)

    def find(self, text: str) -> list[Heard[T]]:
        """Every homophone spelling of a known name, by position, without overlaps."""
        normalized = normalize_text(text)
        bounds = word_boundaries(normalized)
        candidates = [heard for length in sorted(self._by_length, reverse=True)
                      for heard in self._windows(normalized, length)
                      if heard.start in bounds and heard.end in bounds]
        taken = [False] * len(normalized)
        found: list[Heard[T]] = []
        for heard in sorted(candidates, key=lambda h: (h.start - h.end, h.changed, h.start)):
            if not any(taken[heard.start:heard.end]):
                taken[heard.start:heard.end] = [True] * (heard.end - heard.start)
                found.append(heard)
        return sorted(found, key=lambda heard: heard.start)

    def _windows(self, text: str, length: int) -> list[Heard[T]]:
        names = self._by_length[length]
        found = []
        for start in range(len(text) - length + 1):
            window = text[start:start + length]
            if not _HAN.fullmatch(window[0]) or window in names:
                continue  # written correctly: the exact matcher's business
            sharing = {name for position, char in enumerate(window)
                       for name in self._sharing.get((length, position, char), ())}
            for name in sorted(sharing):
                target = names[name]
                changed = sum(a != b for a, b in zip(window, name, strict=True))
                if not 1 <= changed <= length // 2:
                    continue
                if all(sounds_alike(a, b, allow_fuzzy=length > 2)
                       for a, b in zip(window, name, strict=True)):
                    found.append(Heard(window, name, start, start + length, changed, target))
        return found
