"""Pure changes of a version's data (a new dict each time; the old one is untouched)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from hotline.directory.assembly import DirectoryData

DISTRICT_FIELDS = ("full_name", "leader", "leader_title", "department", "contact", "phone",
                   "aliases")
EDITOR_SOURCE = "名录编辑器（管理员录入）"


class UnknownEntry(LookupError):
    """No district or place of that name."""


class DuplicateEntry(ValueError):
    """A place of that name exists already."""


@dataclass(frozen=True, slots=True)
class DistrictFields:
    """What an editor may change of a district (its name is its key)."""

    full_name: str
    leader: str
    leader_title: str
    department: str
    contact: str
    phone: str = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PlaceFields:
    """A curated place of the gazetteer (``unit``: the district that serves it)."""

    name: str
    kind: str
    unit: str
    aliases: tuple[str, ...] = ()
    english: tuple[str, ...] = ()
    note: str = ""
    source: str = field(default="")


def _clean(names: tuple[str, ...]) -> list[str]:
    return list(dict.fromkeys(name.strip() for name in names))


def district(data: DirectoryData, name: str) -> dict[str, Any]:
    """A district's row (KeyError-free: raises :class:`UnknownEntry`)."""
    for row in data["directory"]["districts"]:
        if row.get("name") == name:
            return dict(row)
    raise UnknownEntry(name)


def place(data: DirectoryData, name: str) -> dict[str, Any]:
    """A curated place's row, or :class:`UnknownEntry`."""
    for row in data.get("gazetteer", {}).get("places") or []:
        if row.get("name") == name:
            return dict(row)
    raise UnknownEntry(name)


def update_district(data: DirectoryData, name: str, fields: DistrictFields) -> DirectoryData:
    """``data`` with district ``name``'s fields replaced."""
    district(data, name)  # raises when unknown
    changed = copy.deepcopy(data)
    for row in changed["directory"]["districts"]:
        if row.get("name") == name:
            row.update({"full_name": fields.full_name.strip() or name,
                        "leader": fields.leader.strip(), "leader_title": fields.leader_title.strip(),
                        "department": fields.department.strip(), "contact": fields.contact.strip(),
                        "aliases": _clean(fields.aliases)})
            if fields.phone.strip():
                row["phone"] = fields.phone.strip()
            else:
                row.pop("phone", None)
    return changed


def _place_row(fields: PlaceFields, previous: dict[str, Any] | None) -> dict[str, Any]:
    row: dict[str, Any] = dict(previous or {})
    row.update({"name": fields.name.strip(), "unit": fields.unit.strip(),
                "kind": fields.kind.strip(), "aliases": _clean(fields.aliases),
                "english": _clean(fields.english)})
    row["source"] = fields.source.strip() or row.get("source") or EDITOR_SOURCE
    if fields.note.strip():
        row["note"] = fields.note.strip()
    for key in ("aliases", "english"):
        if not row[key]:
            del row[key]
    return row


def save_place(data: DirectoryData, original: str | None, fields: PlaceFields) -> DirectoryData:
    """``data`` with a place added (``original`` None) or place ``original`` replaced."""
    changed = copy.deepcopy(data)
    places: list[dict[str, Any]] = changed.setdefault("gazetteer", {}).setdefault("places", [])
    if original is None:
        if any(row.get("name") == fields.name.strip() for row in places):
            raise DuplicateEntry(fields.name)
        places.append(_place_row(fields, None))
        return changed
    for n, row in enumerate(places):
        if row.get("name") == original:
            places[n] = _place_row(fields, row)
            return changed
    raise UnknownEntry(original)


def delete_place(data: DirectoryData, name: str) -> DirectoryData:
    """``data`` without the curated place ``name``."""
    place(data, name)
    changed = copy.deepcopy(data)
    changed["gazetteer"]["places"] = [row for row in changed["gazetteer"]["places"]
                                      if row.get("name") != name]
    return changed
