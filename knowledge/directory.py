"""The liaison directory: which bureau leader, department and person serve each district."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from knowledge.text import normalize_text


class DirectoryError(ValueError):
    """The directory data is inconsistent (duplicate names, an alias used twice …)."""


@dataclass(frozen=True, slots=True)
class Liaison:
    """One district or development zone and who serves it."""

    district: str
    full_name: str
    leader: str
    leader_title: str
    department: str
    contact: str
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """The canonical name followed by every alias."""
        return (self.district, *self.aliases)


@dataclass(frozen=True, slots=True)
class DirectorySource:
    """Where the directory comes from, for citations."""

    doc_id: str
    doc_number: str
    section: str


def _split(cell: str | None) -> list[str]:
    return [part.strip() for part in (cell or "").split("|") if part.strip()]


def _liaison(row: dict) -> Liaison:  # type: ignore[type-arg]
    for key in ("name", "leader", "leader_title", "department", "contact"):
        if not str(row.get(key) or "").strip():
            raise KeyError(f"{key} missing for {row.get('name') or 'a row'}")
    return Liaison(
        district=str(row["name"]).strip(), full_name=str(row.get("full_name") or row["name"]),
        leader=str(row["leader"]).strip(), leader_title=str(row["leader_title"]).strip(),
        department=str(row["department"]).strip(), contact=str(row["contact"]).strip(),
        aliases=tuple(str(alias) for alias in row.get("aliases") or ()),
    )


class LiaisonDirectory:
    """Look up liaisons by district, alias or landmark, and districts by leader."""

    def __init__(self, liaisons: Iterable[Liaison], source: DirectorySource) -> None:
        self.liaisons: tuple[Liaison, ...] = tuple(liaisons)
        self.source = source
        self._by_name: dict[str, Liaison] = {}
        for liaison in self.liaisons:
            for name in liaison.names:
                key = normalize_text(name)
                other = self._by_name.get(key)
                if other is not None and other.district != liaison.district:
                    raise DirectoryError(
                        f"name {name!r} used for both {other.district} and {liaison.district}")
                self._by_name[key] = liaison
        if len({liaison.district for liaison in self.liaisons}) != len(self.liaisons):
            raise DirectoryError("a district appears twice in the directory")
        # Longest names first, so 武汉开发区 wins over a shorter alias inside it.
        self._names_longest_first = sorted(self._by_name, key=len, reverse=True)

    @classmethod
    def from_yaml(cls, path: Path) -> LiaisonDirectory:
        """Load the directory from its YAML file (a ``source`` and a ``districts`` list)."""
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        try:
            source = DirectorySource(**data["source"])
            liaisons = [_liaison(row) for row in data["districts"]]
        except (KeyError, TypeError) as exc:
            raise DirectoryError(f"{path}: malformed directory ({exc})") from exc
        return cls(liaisons, source)

    @classmethod
    def from_csv(cls, path: Path, source: DirectorySource) -> LiaisonDirectory:
        """Load the directory from a CSV table (columns as in the YAML; aliases split by |)."""
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
        try:
            liaisons = [_liaison({**row, "aliases": _split(row.get("aliases"))}) for row in rows]
        except (KeyError, TypeError) as exc:
            raise DirectoryError(f"{path}: malformed directory ({exc})") from exc
        return cls(liaisons, source)

    def __len__(self) -> int:
        return len(self.liaisons)

    def get(self, name: str) -> Liaison | None:
        """The liaison for an exact district name or alias."""
        return self._by_name.get(normalize_text(name).strip())

    def find_in_text(self, text: str) -> Liaison | None:
        """The district named anywhere in a message (longest alias wins)."""
        found = self.find_all_in_text(text)
        return found[0] if found else None

    def find_all_in_text(self, text: str) -> list[Liaison]:
        """All districts named in a message, in order of first mention, without repeats."""
        normalized = normalize_text(text)
        hits: list[tuple[int, Liaison]] = []
        taken = [False] * len(normalized)
        for name in self._names_longest_first:
            start = normalized.find(name)
            while start != -1:
                end = start + len(name)
                if not any(taken[start:end]):
                    taken[start:end] = [True] * len(name)
                    hits.append((start, self._by_name[name]))
                start = normalized.find(name, end)
        ordered: list[Liaison] = []
        for _, liaison in sorted(hits, key=lambda hit: hit[0]):
            if liaison not in ordered:
                ordered.append(liaison)
        return ordered

    @property
    def leaders(self) -> tuple[str, ...]:
        """Every responsible leader's name, each once."""
        return tuple(dict.fromkeys(liaison.leader for liaison in self.liaisons))

    def districts_of_leader(self, leader: str) -> list[Liaison]:
        """The districts a leader is responsible for."""
        return [liaison for liaison in self.liaisons if liaison.leader == leader]

    def find_leader_in_text(self, text: str) -> str | None:
        """A leader named in a message, by full name or as 胡局 / 刘巡 / 金调研员 when the
        surname is unique among the leaders."""
        normalized = normalize_text(text)
        named = next((leader for leader in self.leaders if leader in normalized), None)
        if named:
            return named
        for leader, forms in self._informal_forms().items():
            if any(form in normalized for form in forms):
                return leader
        return None

    def _informal_forms(self) -> dict[str, tuple[str, ...]]:
        surnames = [leader[0] for leader in self.leaders]
        forms: dict[str, tuple[str, ...]] = {}
        for liaison in self.liaisons:
            surname = liaison.leader[0]
            if surnames.count(surname) != 1 or liaison.leader in forms:
                continue
            title = liaison.leader_title
            variants = [surname + title]
            if "局长" in title:
                variants.append(surname + "局")
            if "巡视员" in title:
                variants.append(surname + "巡")
            if "调研员" in title:
                variants.append(surname + "调研员")
            forms[liaison.leader] = tuple(variants)
        return forms

    def all_names(self) -> list[str]:
        """Every district name and alias (for tokenizer dictionaries and NLU synonyms)."""
        return [name for liaison in self.liaisons for name in liaison.names]
