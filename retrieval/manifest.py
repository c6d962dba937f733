"""The manifest persisted with an index, so that a stale index is detected, not served."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from retrieval.errors import IndexMismatchError

FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class IndexManifest:
    """Identifies what an index was built from."""

    model: str
    model_fingerprint: str
    dimension: int
    tokenizer_fingerprint: str
    document_versions: dict[str, str]
    units: int
    chunks: int
    built_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    format_version: int = FORMAT_VERSION

    def save(self, path: Path) -> None:
        """Write the manifest as JSON."""
        path.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=2), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> IndexManifest:
        """Read a manifest written by :meth:`save`."""
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(**data)

    def mismatches(self, *, model_fingerprint: str, tokenizer_fingerprint: str,
                   document_versions: dict[str, str]) -> list[str]:
        """Human-readable reasons why this index does not fit the current inputs."""
        reasons = []
        if self.format_version != FORMAT_VERSION:
            reasons.append(f"index format {self.format_version} ≠ {FORMAT_VERSION}")
        if self.model_fingerprint != model_fingerprint:
            reasons.append(f"embedding model changed (index built with {self.model})")
        if self.tokenizer_fingerprint != tokenizer_fingerprint:
            reasons.append("tokenizer vocabulary or synonyms changed")
        changed = sorted(
            doc_id for doc_id in set(self.document_versions) | set(document_versions)
            if self.document_versions.get(doc_id) != document_versions.get(doc_id)
        )
        if changed:
            shown = ", ".join(changed[:5]) + ("…" if len(changed) > 5 else "")
            reasons.append(f"{len(changed)} document(s) changed: {shown}")
        return reasons

    def check(self, **current: object) -> None:
        """Raise :class:`IndexMismatchError` if the index does not fit the current inputs."""
        reasons = self.mismatches(**current)  # type: ignore[arg-type]
        if reasons:
            raise IndexMismatchError("; ".join(reasons))
