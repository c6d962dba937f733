"""The problem list: open items grouped by similarity, and closing a group with a resolution.

Open groups are recomputed from the sources on every call (the sources are the truth; only
resolutions are stored), so a resolved item leaves the open list at once, and new items
similar to a resolved group form a new group of their own. A group's id is the key of its
earliest item, so it stays the same while later items join it.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from hotline.problems.clustering import (
    DEFAULT_SIMILARITY,
    Abbreviations,
    central,
    cluster,
    group_exact,
)
from hotline.problems.models import ProblemResolution
from hotline.problems.sources import ProblemItem, ProblemKind, collect_open, count_open
from hotline.problems.vectors import VectorCache
from retrieval.embedder import Embedder

Status = Literal["open", "resolved"]
EmbedderSource = Embedder | Callable[[], Embedder | None] | None
SynonymSource = Mapping[str, str] | Callable[[], Mapping[str, str]] | None


class ProblemNotFound(LookupError):
    """No open or resolved group or item with that id."""


class AlreadyResolved(ValueError):
    """The group (or one of the items) was resolved already."""


class GroupChanged(ValueError):
    """The item is open but no longer heads a group (the grouping moved on): reload."""


@dataclass(frozen=True, slots=True)
class Resolution:
    """How a group was closed."""

    text: str
    staff: str
    resolved_at: datetime


@dataclass(frozen=True, slots=True)
class ProblemGroup:
    """Similar items, counted by kind; ``label`` is the most central item's text."""

    id: str
    label: str
    kinds: dict[str, int]
    size: int
    items: list[ProblemItem]
    first_seen: datetime
    last_seen: datetime
    resolution: Resolution | None = None


@dataclass
class _Memo:
    """The last clustering, reused while the open items and threshold are the same."""

    signature: tuple[object, ...] = ()
    rows: list[list[int]] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class ProblemList:
    """Collects, groups and resolves problem items."""

    def __init__(self, sessions: sessionmaker[Session], embedder: EmbedderSource,
                 clock: Callable[[], datetime] = _utcnow, *,
                 threshold: float = DEFAULT_SIMILARITY, synonyms: SynonymSource = None,
                 max_items: int = 3000) -> None:
        if not 0 < threshold <= 1:
            raise ValueError(f"threshold must be in (0, 1], got {threshold}")
        self._sessions = sessions
        self._embedder = embedder
        self._synonyms = synonyms
        self.clock = clock
        self.threshold = threshold
        self.max_items = max_items
        self._vectors = VectorCache(sessions)
        self._memo = _Memo()
        self._lock = threading.Lock()

    # -- reading -----------------------------------------------------------------------------
    def embedder(self) -> Embedder | None:
        """The embedding model in use; None means groups of identical texts only."""
        source = self._embedder
        if source is None or isinstance(source, Embedder):
            return source
        return source()

    def open_items(self) -> list[ProblemItem]:
        """Open (unresolved) items, oldest first; the newest ``max_items`` when there are more
        (bounded work and memory whatever the history's length: :func:`collect_open`)."""
        with self._sessions() as session:
            return collect_open(session, self.clock(), self.max_items)

    def open_counts(self) -> dict[str, int]:
        """Every open item per kind, however many the list shows (:func:`count_open`)."""
        with self._sessions() as session:
            return count_open(session, self.clock())

    def groups(self, status: Status = "open", since: datetime | None = None
               ) -> list[ProblemGroup]:
        """Open groups, largest first (then most recent), or resolved groups, most recently
        resolved first. ``since`` keeps open groups with an item at or after it (the whole
        group, so ids do not depend on the filter), and groups resolved at or after it."""
        if status == "resolved":
            return self._resolved_groups(since)
        if status != "open":
            raise ValueError(f"status must be open or resolved, got {status!r}")
        groups = self._open_groups(self.open_items())
        if since is not None:
            groups = [group for group in groups if group.last_seen >= since]
        return groups

    # -- resolving ---------------------------------------------------------------------------
    def resolve(self, group_id: str, staff: str, resolution: str, *,
                item_keys: Sequence[str] | None = None) -> ProblemGroup:
        """Close an open group — all its current items, or only ``item_keys`` of it (what the
        staff member saw) — with a resolution such as 已补充FAQ or 已澄清政策口径.

        Raises :class:`AlreadyResolved`, :class:`GroupChanged` or :class:`ProblemNotFound`;
        ``ValueError`` for an empty resolution.
        """
        resolution, staff = resolution.strip(), staff.strip()
        if not resolution:
            raise ValueError("处理结果不能为空")
        if not staff:
            raise ValueError("处理人不能为空")
        groups = self._open_groups(self.open_items())
        group = next((g for g in groups if g.id == group_id), None)
        if group is None:
            if self._is_resolved(group_id):
                raise AlreadyResolved(f"问题组 {group_id} 已处理")
            if any(group_id == item.key for g in groups for item in g.items):
                raise GroupChanged(f"问题分组已更新，{group_id} 已不是独立的问题组，请刷新后再处理")
            raise ProblemNotFound(group_id)
        items = group.items
        if item_keys is not None:
            wanted = set(item_keys)
            if not wanted:
                raise ValueError("请至少选择一条问题")
            if any(self._is_resolved(key) for key in wanted):
                raise AlreadyResolved("所选问题中有已处理的条目")
            if wanted - {item.key for item in items}:
                raise GroupChanged("所选问题已不在该问题组中，请刷新后再处理")
            items = [item for item in items if item.key in wanted]
        label = group.label if any(item.text == group.label for item in items) \
            else items[0].text
        return self._record(items, label, staff, resolution)

    # -- internals ---------------------------------------------------------------------------
    def _open_groups(self, items: list[ProblemItem]) -> list[ProblemGroup]:
        if not items:
            return []
        rows, centres = self._cluster(items)
        groups = [self._group([items[r] for r in members], items[centre].text)
                  for members, centre in zip(rows, centres, strict=True)]
        return sorted(groups, key=lambda g: (-g.size, -g.last_seen.timestamp(), g.id))

    def _cluster(self, items: list[ProblemItem]) -> tuple[list[list[int]], list[int]]:
        """Row groups and each group's central row (memoised on the items and threshold)."""
        synonyms = self._synonyms() if callable(self._synonyms) else self._synonyms
        abbreviations = Abbreviations(synonyms)
        texts = [abbreviations.prepare(item.text) for item in items]
        embedder = self.embedder()
        signature = (self.threshold, embedder.fingerprint if embedder else None,
                     tuple(item.key for item in items), tuple(texts))
        with self._lock:
            if self._memo.signature == signature:
                return self._memo.rows, self._memo.labels
        if embedder is None:
            rows = group_exact(texts)
            centres = [members[0] for members in rows]
        else:
            vectors = self._vectors.vectors(embedder, texts)
            rows = cluster(vectors, self.threshold)
            centres = [central(vectors, members) for members in rows]
        with self._lock:
            self._memo = _Memo(signature, rows, centres)
        return rows, centres

    @staticmethod
    def _group(items: list[ProblemItem], label: str, resolution: Resolution | None = None,
               group_id: str | None = None) -> ProblemGroup:
        kinds = Counter(str(item.kind) for item in items)
        return ProblemGroup(
            id=group_id or items[0].key, label=label, kinds=dict(sorted(kinds.items())), size=len(items),
            items=items, first_seen=min(i.occurred_at for i in items),
            last_seen=max(i.occurred_at for i in items), resolution=resolution)

    def _record(self, items: list[ProblemItem], label: str, staff: str,
                resolution: str) -> ProblemGroup:
        now = self.clock()
        batch = items[0].key
        try:
            with self._sessions.begin() as session:
                session.add_all(ProblemResolution(
                    item_key=item.key, group_id=batch, group_label=label, kind=str(item.kind),
                    text=item.text, session_id=item.session_id, occurred_at=item.occurred_at,
                    resolution=resolution, staff=staff, resolved_at=now) for item in items)
        except IntegrityError as exc:  # resolved by someone else a moment ago
            raise AlreadyResolved("该问题刚刚已被处理") from exc
        return self._group(items, label, Resolution(resolution, staff, now))

    def _resolved_groups(self, since: datetime | None) -> list[ProblemGroup]:
        query = select(ProblemResolution).order_by(ProblemResolution.id)
        if since is not None:
            query = query.where(ProblemResolution.resolved_at >= since)
        with self._sessions() as session:
            rows = list(session.scalars(query))
        batches: dict[str, list[ProblemResolution]] = {}
        for row in rows:
            batches.setdefault(row.group_id, []).append(row)
        groups = []
        for batch_id, members in batches.items():
            items = sorted((ProblemItem(
                key=row.item_key, kind=ProblemKind(row.kind), text=row.text,
                occurred_at=row.occurred_at, session_id=row.session_id,
                ticket_id=row.item_key.removeprefix("ticket:")
                if row.item_key.startswith("ticket:") else None) for row in members),
                key=lambda i: (i.occurred_at, i.key))
            first = members[0]
            groups.append(self._group(items, first.group_label, Resolution(
                first.resolution, first.staff, first.resolved_at), group_id=batch_id))
        return sorted(groups, key=lambda g: (g.resolution.resolved_at if g.resolution
                                             else g.last_seen, g.id), reverse=True)

    def _is_resolved(self, key: str) -> bool:
        with self._sessions() as session:
            return session.scalar(select(ProblemResolution.id)
                                  .where(ProblemResolution.item_key == key)) is not None
