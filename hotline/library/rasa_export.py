"""The library's synonyms as Rasa NLU entity synonyms (``nlu: - synonym: …``)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import yaml


def rasa_synonyms_yaml(synonyms: dict[str, str], taken: frozenset[str] = frozenset()) -> str:
    """A Rasa 3 NLU file mapping each colloquial term to its official term (the first word
    of a multi-word canonical form), e.g. 高企 → 高新技术企业.

    ``taken``: texts the bot's own data already maps (its entity synonyms, service-item
    values): a term among them is left out, so that no text maps to two values (Rasa's
    EntitySynonymMapper matches the extracted text whatever the entity)."""
    taken_folded = {text.casefold() for text in taken}
    grouped: dict[str, list[str]] = defaultdict(list)
    for term, canonical in sorted(synonyms.items()):
        official = canonical.split()[0]
        if official != term and term.casefold() not in taken_folded:
            grouped[official].append(term)
    nlu = [{"synonym": official, "examples": "".join(f"- {t}\n" for t in terms)}
           for official, terms in sorted(grouped.items())]
    header = "# generated from the knowledge library's synonyms (GET …/synonyms/rasa.yml)\n"
    return header + yaml.safe_dump({"version": "3.1", "nlu": nlu}, allow_unicode=True,
                                   sort_keys=False)


def mapped_texts(nlu_files: list[Path]) -> frozenset[str]:
    """Every text the NLU files' ``synonym:`` entries map, and their canonical values."""
    texts: set[str] = set()
    for path in nlu_files:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for entry in data.get("nlu") or []:
            if isinstance(entry, dict) and "synonym" in entry:
                texts.add(str(entry["synonym"]))
                texts.update(line.removeprefix("- ").strip()
                             for line in str(entry.get("examples") or "").splitlines()
                             if line.strip())
    return frozenset(texts)
