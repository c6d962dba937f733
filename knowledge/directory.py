"""The liaison directory: which bureau leader, department and person serve each district.

A district is found in a message by its name, its aliases (directory.yml) and every place
of the gazetteer (gazetteer.yml beside it: streets, towns, parks, campuses, stations …,
see ``knowledge.gazetteer``), longest name first.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from knowledge.gazetteer import Gazetteer, GazetteerError, NameMatcher, Place
from knowledge.homophones import HomophoneMatcher
from knowledge.text import normalize_text

# The gazetteer read by from_yaml / from_csv unless told otherwise: this file beside the
# directory, when it exists.
SIBLING_GAZETTEER = "gazetteer.yml"


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
    # gazetteer names that resolve to this district (hundreds: left out of repr)
    places: tuple[str, ...] = field(default=(), repr=False)

    @property
    def names(self) -> tuple[str, ...]:
        """The canonical name followed by every alias and every gazetteer place name."""
        return (self.district, *self.aliases, *self.places)


@dataclass(frozen=True, slots=True)
class PlaceMention:
    """A district, alias or place named in a message (positions in the normalised text).

    ``liaison`` is None for a place the gazetteer recognises but does not resolve
    (光谷广场, 东湖 …: its ``place.candidates`` are the units it may belong to).
    """

    name: str
    start: int
    end: int
    liaison: Liaison | None
    place: Place | None = None


@dataclass(frozen=True, slots=True)
class HeardPlace:
    """A district or place name written with sound-alike characters ("红山区" → 洪山区)."""

    written: str
    name: str
    liaison: Liaison


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
    """Look up liaisons by district, alias, street or landmark, and districts by leader."""

    def __init__(self, liaisons: Iterable[Liaison], source: DirectorySource,
                 gazetteer: Gazetteer | None = None) -> None:
        liaisons = tuple(liaisons)
        self.source = source
        self.gazetteer = gazetteer
        by_name: dict[str, Liaison] = {}
        for liaison in liaisons:
            for name in (liaison.district, *liaison.aliases):
                key = normalize_text(name)
                other = by_name.get(key)
                if other is not None and other.district != liaison.district:
                    raise DirectoryError(
                        f"name {name!r} used for both {other.district} and {liaison.district}")
                by_name[key] = liaison
        if len({liaison.district for liaison in liaisons}) != len(liaisons):
            raise DirectoryError("a district appears twice in the directory")
        targets: dict[str, tuple[Liaison | None, Place | None]] = {
            key: (liaison, None) for key, liaison in by_name.items()}
        if gazetteer is not None:
            liaisons = self._attach(liaisons, by_name, gazetteer, targets)
        self.liaisons: tuple[Liaison, ...] = liaisons
        current = {liaison.district: liaison for liaison in liaisons}
        self._matcher: NameMatcher[tuple[Liaison | None, Place | None]] = NameMatcher({
            key: (current[liaison.district] if liaison else None, place)
            for key, (liaison, place) in targets.items()})
        self._homophones: HomophoneMatcher[Liaison] = HomophoneMatcher({
            key: current[liaison.district] for key, (liaison, place) in targets.items()
            if liaison is not None and (place is None or place.kind != "phrase")})

    @staticmethod
    def _attach(liaisons: tuple[Liaison, ...], by_name: dict[str, Liaison], gazetteer: Gazetteer,
                targets: dict[str, tuple[Liaison | None, Place | None]]) -> tuple[Liaison, ...]:
        """Check the gazetteer against the directory and give each liaison its places."""
        districts = {liaison.district: liaison for liaison in liaisons}
        places: dict[str, list[str]] = {district: [] for district in districts}
        for place in gazetteer.places:
            for unit in (place.unit, *place.candidates):
                if unit is not None and unit not in districts:
                    raise DirectoryError(f"gazetteer place {place.name!r}: unknown unit {unit!r}")
            for name in place.names:
                key = normalize_text(name)
                listed = by_name.get(key)
                if listed is not None and place.unit != listed.district:
                    raise DirectoryError(
                        f"gazetteer name {name!r} ({place.unit or 'unresolved'}) is the directory "
                        f"alias of {listed.district}")
                if listed is not None:  # a directory alias: keep it, note the place's details
                    if targets[key][1] is None:
                        targets[key] = (listed, place)
                    continue
                targets.setdefault(key, (districts[place.unit] if place.unit else None, place))
                if place.unit is not None and name not in places[place.unit]:
                    places[place.unit].append(name)
        return tuple(replace(liaison, places=tuple(places[liaison.district]))
                     for liaison in liaisons)

    @classmethod
    def from_yaml(cls, path: Path,
                  gazetteer: Gazetteer | Path | None = Path(SIBLING_GAZETTEER)) -> LiaisonDirectory:
        """Load the directory from its YAML file (a ``source`` and a ``districts`` list).

        ``gazetteer``: a loaded gazetteer, a file (relative to the directory's folder), or
        None for none; by default ``gazetteer.yml`` beside the directory, if there is one.
        """
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return cls.from_data(data, _load_gazetteer(path.parent, gazetteer), where=str(path))

    @classmethod
    def from_data(cls, data: Mapping[str, Any], gazetteer: Gazetteer | None,
                  where: str = "directory") -> LiaisonDirectory:
        """Build from the parsed ``directory.yml`` mapping (``source`` and ``districts``)."""
        try:
            source = DirectorySource(**data["source"])
            liaisons = [_liaison(row) for row in data["districts"]]
        except (KeyError, TypeError) as exc:
            raise DirectoryError(f"{where}: malformed directory ({exc})") from exc
        return cls(liaisons, source, gazetteer)

    @classmethod
    def from_csv(cls, path: Path, source: DirectorySource,
                 gazetteer: Gazetteer | Path | None = Path(SIBLING_GAZETTEER)) -> LiaisonDirectory:
        """Load the directory from a CSV table (columns as in the YAML; aliases split by |);
        ``gazetteer`` as for :meth:`from_yaml`."""
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
        try:
            liaisons = [_liaison({**row, "aliases": _split(row.get("aliases"))}) for row in rows]
        except (KeyError, TypeError) as exc:
            raise DirectoryError(f"{path}: malformed directory ({exc})") from exc
        return cls(liaisons, source, _load_gazetteer(path.parent, gazetteer))

    def __len__(self) -> int:
        return len(self.liaisons)

    def get(self, name: str) -> Liaison | None:
        """The liaison for an exact district name, alias or gazetteer place name."""
        target = self._matcher.get(name.strip())
        return target[0] if target else None

    def find_in_text(self, text: str) -> Liaison | None:
        """The district named anywhere in a message (longest name wins)."""
        found = self.find_all_in_text(text)
        return found[0] if found else None

    def find_all_in_text(self, text: str) -> list[Liaison]:
        """All districts named in a message, in order of first mention, without repeats."""
        ordered: list[Liaison] = []
        for mention in self.mentions_in_text(text):
            if mention.liaison is not None and mention.liaison not in ordered:
                ordered.append(mention.liaison)
        return ordered

    def mentions_in_text(self, text: str) -> list[PlaceMention]:
        """Every district, alias and place named in a message, by position: longest name
        first, no overlaps; unresolved places (``liaison`` None) included, phrases not."""
        mentions = []
        for match in self._matcher.find(text):
            liaison, place = match.target
            if liaison is None and (place is None or place.kind == "phrase"):
                continue
            mentions.append(PlaceMention(match.name, match.start, match.end, liaison, place))
        return mentions

    def heard_in_text(self, text: str) -> HeardPlace | None:
        """A district or place written as a homophone ("菜甸", "顿口", "黄坡区"), when the
        message names no place correctly; for liaison questions only (see
        :mod:`knowledge.homophones` for how strict it is)."""
        if self.mentions_in_text(text):
            return None
        for heard in self._homophones.find(text):
            return HeardPlace(heard.written, heard.name, heard.target)
        return None

    def ambiguous_in_text(self, text: str) -> list[Place]:
        """Places named in a message whose unit the gazetteer leaves open (光谷广场, 汉口 …)."""
        places: list[Place] = []
        for mention in self.mentions_in_text(text):
            if mention.liaison is None and mention.place and mention.place not in places:
                places.append(mention.place)
        return places

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
        """Every district name, alias and resolved place name (for tokenizer dictionaries and
        NLU synonyms), district by district."""
        return [name for liaison in self.liaisons for name in liaison.names]


def _load_gazetteer(folder: Path, gazetteer: Gazetteer | Path | None) -> Gazetteer | None:
    if gazetteer is None or isinstance(gazetteer, Gazetteer):
        return gazetteer
    path = folder / gazetteer
    if not path.exists() and gazetteer == Path(SIBLING_GAZETTEER):
        return None  # the default is optional: a directory without a gazetteer still works
    try:
        return Gazetteer.from_yaml(path)
    except (OSError, GazetteerError, yaml.YAMLError) as exc:
        raise DirectoryError(f"{path}: cannot load the gazetteer ({exc})") from exc
