"""The library's synonyms as Rasa NLU entity synonyms (``nlu: - synonym: …``)."""

from __future__ import annotations

from collections import defaultdict

import yaml


def rasa_synonyms_yaml(synonyms: dict[str, str]) -> str:
    """A Rasa 3 NLU file mapping each colloquial term to its official term (the first word
    of a multi-word canonical form), e.g. 高企 → 高新技术企业."""
    grouped: dict[str, list[str]] = defaultdict(list)
    for term, canonical in sorted(synonyms.items()):
        official = canonical.split()[0]
        if official != term:
            grouped[official].append(term)
    nlu = [{"synonym": official, "examples": "".join(f"- {t}\n" for t in terms)}
           for official, terms in sorted(grouped.items())]
    header = "# generated from the knowledge library's synonyms (GET …/synonyms/rasa.yml)\n"
    return header + yaml.safe_dump({"version": "3.1", "nlu": nlu}, allow_unicode=True,
                                   sort_keys=False)
