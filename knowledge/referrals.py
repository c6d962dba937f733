"""Questions that are another agency's business, and where to send the enterprise instead."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from knowledge.text import normalize_text


@dataclass(frozen=True, slots=True)
class Referral:
    """A topic outside the bureau's remit (tax, social insurance …) and who handles it."""

    id: str
    topic: str
    keywords: tuple[str, ...]
    examples: tuple[str, ...]
    referral: str


def load_referrals(path: Path) -> list[Referral]:
    """Load the referral list; a missing file means no referrals."""
    if not path.exists():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [
        Referral(id=item["id"], topic=item["topic"],
                 keywords=tuple(str(k) for k in item.get("keywords") or ()),
                 examples=tuple(str(e) for e in item.get("examples") or ()),
                 referral=str(item["referral"]).strip())
        for item in data.get("items") or ()
    ]


def match_referral(text: str, referrals: list[Referral]) -> Referral | None:
    """The referral whose keywords the message mentions most (ties: first listed)."""
    normalized = normalize_text(text)
    best, best_hits = None, 0
    for referral in referrals:
        hits = sum(1 for keyword in referral.keywords if normalize_text(keyword) in normalized)
        if hits > best_hits:
            best, best_hits = referral, hits
    return best
