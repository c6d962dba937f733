"""Questions against the active version of each registry: a company by name, a certificate
number, incubators by district / level / kind, 科技特派员 by field keyword / district.

Each process keeps the active version's rows in memory and reloads them when another
version becomes active (one cheap query per look-up tells).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

from rapidfuzz import fuzz

from hotline.registries.formats import RegistryFormat, RegistryKind, registry_format
from hotline.registries.matching import CompanyMatcher
from hotline.registries.rows import Record
from hotline.registries.store import RegistryStore, VersionView
from knowledge.text import normalize_text

Outcome = Literal["found", "candidates", "not_found", "not_imported"]
FIELD_SCORE = 80.0  # rapidfuzz partial_ratio for a field keyword with a typo


@dataclass(frozen=True, slots=True)
class LookupResult:
    """What a registry says about one question.

    ``found``: ``records`` answer it; ``candidates``: names it may mean (best first);
    ``not_found``: the registry holds nothing for it; ``not_imported``: the registry has no
    active version (the product ships empty). ``query`` is what was looked up, as the
    answer says it back; ``total`` how many records qualified (``records`` may be fewer).
    """

    kind: RegistryKind
    outcome: Outcome
    query: str
    version: VersionView | None = None
    records: list[Record] = field(default_factory=list)
    total: int = 0

    @property
    def format(self) -> RegistryFormat:
        """The registry's label and official look-up."""
        return registry_format(self.kind)


@dataclass(frozen=True, slots=True)
class _Loaded:
    version: VersionView
    records: list[Record]
    matcher: CompanyMatcher[Record]


class RegistryLookup:
    """The look-ups, over the store's active versions."""

    def __init__(self, store: RegistryStore) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._loaded: dict[RegistryKind, _Loaded] = {}

    def _active(self, kind: RegistryKind) -> _Loaded | None:
        version = self._store.active(kind)
        if version is None:
            return None
        with self._lock:
            loaded = self._loaded.get(kind)
        if loaded is None or loaded.version.id != version.id:
            records = self._store.rows(version.id)
            loaded = _Loaded(version, records, CompanyMatcher((r["name"], r) for r in records))
            with self._lock:
                self._loaded[kind] = loaded
        return loaded

    def company(self, name: str) -> LookupResult:
        """A high-tech enterprise by name (the rule of ``matching``)."""
        kind = RegistryKind.HIGHTECH
        loaded = self._active(kind)
        if loaded is None:
            return LookupResult(kind, "not_imported", name)
        match = loaded.matcher.match(name)
        if match.outcome == "same":
            return LookupResult(kind, "found", name, loaded.version, match.items, match.total)
        if match.outcome == "candidates":
            return LookupResult(kind, "candidates", name, loaded.version, match.items,
                                match.total)
        return LookupResult(kind, "not_found", name, loaded.version)

    def certificate(self, number: str) -> LookupResult:
        """A high-tech enterprise by its certificate number (GR + 12 digits, exact)."""
        kind = RegistryKind.HIGHTECH
        number = re.sub(r"\s", "", unicodedata.normalize("NFKC", number)).upper()
        loaded = self._active(kind)
        if loaded is None:
            return LookupResult(kind, "not_imported", number)
        found = [r for r in loaded.records if r["certificate_no"] == number]
        return LookupResult(kind, "found" if found else "not_found", number, loaded.version,
                            found, len(found))

    def incubators(self, district: str | None, level: str | None,
                   incubator_kind: str | None, query: str) -> LookupResult:
        """Incubators / 众创空间 of a district, level and kind (None: any)."""
        kind = RegistryKind.INCUBATOR
        loaded = self._active(kind)
        if loaded is None:
            return LookupResult(kind, "not_imported", query)
        found = [r for r in loaded.records
                 if (district is None or r["district"] == district)
                 and (level is None or r["level"] == level)
                 and (incubator_kind is None or r["kind"] == incubator_kind)]
        return LookupResult(kind, "found" if found else "not_found", query, loaded.version,
                            found, len(found))

    def commissioners(self, keyword: str | None, district: str | None,
                      query: str) -> LookupResult:
        """科技特派员 whose field contains ``keyword`` (or nearly: a typo), of a district."""
        kind = RegistryKind.COMMISSIONER
        loaded = self._active(kind)
        if loaded is None:
            return LookupResult(kind, "not_imported", query)
        word = normalize_text(keyword or "")

        def fits(record: Record) -> bool:
            if district is not None and record["district"] != district:
                return False
            if not word:
                return True
            text = normalize_text(f"{record['field']} {record['name']}")
            return word in text or (len(word) >= 3 and
                                    fuzz.partial_ratio(word, text) >= FIELD_SCORE)

        found = [r for r in loaded.records if fits(r)]
        return LookupResult(kind, "found" if found else "not_found", query, loaded.version,
                            found, len(found))
