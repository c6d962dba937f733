"""Generate the district NLU data and the jieba user dictionary from the knowledge base.

Run with the APP's venv from the repo root (bot/scripts/train.sh does it before every train):

    .venv/bin/python bot/generate_nlu.py [--check]

Reads knowledge/data/directory.yml and the gazetteer beside it, knowledge/data/gazetteer.yml
(through ``knowledge.directory.LiaisonDirectory``, so the bot and the app agree on every
alias and place), and knowledge/data/dictionary.txt, and writes

* ``bot/data/nlu/generated_districts.yml``: ``ask_liaison`` examples for every district by
  its name, aliases and a seeded sample of its places (LIAISON_TEMPLATES); a
  ``lookup: district`` table of every district
  name, alias and resolved gazetteer place (streets and towns with their short forms,
  parks, campuses, stations, landmarks, English names), and one ``synonym:`` entry per
  district mapping each of them (and the traditional-character spelling of every name) to
  the canonical district name — 关东街道 / 光谷软件园 / Wuhan University → 东湖高新区 /
  东湖高新区 / 武昌区. Places the gazetteer leaves unresolved (光谷广场, 汉口 …) are not
  district values;
* ``bot/jieba_dict/districts.txt``: a jieba user dictionary with the same names plus the
  domain terms of knowledge/data/dictionary.txt, so that jieba keeps 光谷 / 东湖高新区 /
  关东街道 / 高企认定 in one token and entity spans line up with tokens.

Both outputs are committed (so a developer sees them) but regenerated on every train.
``--check`` only reports whether they are up to date (exit 1 when they are not).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: bot/ is sys.path[0], not the repo root
    sys.path.insert(0, str(ROOT))

import zhconv  # noqa: E402  (the app's dependency, used by knowledge.text too)

from knowledge.directory import LiaisonDirectory  # noqa: E402
from knowledge.gazetteer import Gazetteer  # noqa: E402

DIRECTORY = ROOT / "knowledge" / "data" / "directory.yml"
GAZETTEER = ROOT / "knowledge" / "data" / "gazetteer.yml"  # read by LiaisonDirectory.from_yaml
DICTIONARY = ROOT / "knowledge" / "data" / "dictionary.txt"
NLU_OUT = ROOT / "bot" / "data" / "nlu" / "generated_districts.yml"
JIEBA_OUT = ROOT / "bot" / "jieba_dict" / "districts.txt"

# jieba frequency for district names: high enough that 光谷 / 江汉区 / 中法生态城 stay one
# token next to common characters (在光谷的 → 在 / 光谷 / 的), with the place-name tag.
DISTRICT_FREQ = 2000
DISTRICT_TAG = "ns"

# Words the bot's own entities need as single tokens (rating levels, service items and
# colloquial forms that are not in knowledge/data/dictionary.txt). Same jieba format.
BOT_TERMS = (
    "非常满意 2000 a", "基本满意 2000 a", "不满意 2000 a", "非常不满意 2000 a",
    "不太满意 2000 a", "外国人工作许可 50 n", "外国人工作证 50 n", "技术合同登记 50 n",
    "众创空间备案 50 n", "孵化器认定 50 n", "高新认定 50 n", "高企申报 50 n", "转人工 2000 v",
    "人工客服 2000 n", "有限公司 2000 n", "有限责任公司 2000 n", "股份有限公司 2000 n",
    "很不满意 2000 a", "特别不满意 2000 a", "太差了 2000 a", "工单 2000 n", "单号 2000 n",
)

YAML_HEADER = """\
# GENERATED FILE — do not edit by hand.
# Written by bot/generate_nlu.py from knowledge/data/directory.yml and
# knowledge/data/gazetteer.yml; regenerated on every train (bot/scripts/train.sh). It is
# committed so developers can see what the bot knows: to change a district or an alias,
# edit directory.yml; a street, place or English name, gazetteer.yml; then retrain.
"""

JIEBA_HEADER = (
    "#GENERATED_by_bot/generate_nlu.py_from_knowledge/data/directory.yml,gazetteer.yml_and_dictionary.txt"
    "—regenerated_on_every_train—do_not_edit"
)


def _traditional_forms(name: str) -> list[str]:
    """Traditional spellings (Taiwan and Hong Kong conventions) that differ from the name."""
    forms = []
    for locale in ("zh-tw", "zh-hk"):
        form = zhconv.convert(name, locale)
        if form != name and form not in forms:
            forms.append(form)
    return forms


def _yaml_item(text: str) -> str:
    # Block-literal list items: plain text is fine; guard the characters Rasa's
    # markdown-ish entity syntax would read ([ ] ( ) { }).
    if any(char in text for char in "[](){}"):
        raise ValueError(f"district name {text!r} contains entity-markup characters")
    return f"    - {text}\n"


def district_names(directory: LiaisonDirectory) -> list[tuple[str, list[str]]]:
    """(canonical name, every other spelling that should map to it), in directory order:
    the district's aliases, then its gazetteer places (``Liaison.names``), each followed by
    its traditional spellings; Rasa compares synonyms in lower case, so spellings that
    differ only in case are kept once."""
    result = []
    owner: dict[str, str] = {}  # lower-cased spelling → its district, to refuse a clash
    for liaison in directory.liaisons:
        spellings: list[str] = []
        for name in liaison.names:
            for form in (name, *_traditional_forms(name)):
                key = form.lower()
                if owner.setdefault(key, liaison.district) != liaison.district:
                    raise ValueError(f"{form!r} would map to both {owner[key]} and "
                                     f"{liaison.district}")
                if key != liaison.district.lower() and key not in {s.lower() for s in spellings}:
                    spellings.append(form)
        result.append((liaison.district, spellings))
    return result


# ask_liaison examples written from the directory and the gazetteer: every district is
# asked about by its own name, its aliases and a seeded sample of its streets, places and
# English names, in the ways enterprises ask (so NLU learns "who serves <any place>", not
# the handful of places in liaison.yml). Deterministic: the same data gives the same file.
LIAISON_TEMPLATES = (
    "{p}的企业有事找科技局谁", "{p}这边包区联系人是哪位", "我们公司在{p} 对接科技局哪个处",
    "{p}归哪个局领导联系", "在{p}办厂 科技局的联系人是谁", "{p} 负责部门是哪个",
    "{p}那块的对口处室是哪个", "{p}的包区领导是谁", "{p}有没有专门对接的联系人",
    "公司注册在{p} 科技局谁负责我们", "{p}的企业对接哪个部门啊", "请问{p}的联络人叫什么",
)
ENGLISH_TEMPLATES = (
    "who is the bureau contact for {p}", "{p} liaison person?",
    "our company is in {p}, who do we contact at the science bureau",
)
PLACES_PER_DISTRICT = 6
SEED = 2021
_LATIN_NAME = re.compile(r"^[a-z][a-z .'-]*$", re.IGNORECASE)


def liaison_examples(directory: LiaisonDirectory) -> list[str]:
    """Annotated ask_liaison examples, a few per district (see LIAISON_TEMPLATES)."""
    rng = random.Random(SEED)
    examples = []
    for liaison in directory.liaisons:
        aliases = [a for a in liaison.aliases if not _LATIN_NAME.match(a)][:2]
        places = sorted(set(liaison.places) - set(liaison.aliases))
        chinese = [p for p in places if not _LATIN_NAME.match(p)]
        english = [p for p in (*liaison.aliases, *places) if _LATIN_NAME.match(p)]
        chosen = [liaison.district, *aliases,
                  *rng.sample(chinese, min(PLACES_PER_DISTRICT, len(chinese)))]
        for name in chosen:
            examples.append(rng.choice(LIAISON_TEMPLATES).format(p=f"[{name}](district)"))
        for name in rng.sample(english, min(2, len(english))):
            examples.append(rng.choice(ENGLISH_TEMPLATES).format(p=f"[{name}](district)"))
    return examples


def render_nlu(directory: LiaisonDirectory) -> str:
    names = district_names(directory)
    out = [YAML_HEADER, 'version: "3.1"\n', "nlu:\n", "- intent: ask_liaison\n",
           "  examples: |\n"]
    out.extend(f"    - {example}\n" for example in liaison_examples(directory))
    out += ["\n- lookup: district\n", "  examples: |\n"]
    seen: set[str] = set()
    for canonical, spellings in names:
        for name in (canonical, *spellings):
            if name.lower() not in seen:
                seen.add(name.lower())
                out.append(_yaml_item(name))
    for canonical, spellings in names:
        out.append(f"\n- synonym: {canonical}\n  examples: |\n")
        out.extend(_yaml_item(name) for name in spellings)
    return "".join(out)


def _dictionary_lines() -> list[str]:
    lines = []
    for raw in DICTIONARY.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


def render_jieba(directory: LiaisonDirectory) -> str:
    """jieba user dictionary: `word freq tag` per line. jieba has no comment syntax, so the
    header is a single space-free token starting with '#', which never occurs in user text."""
    lines = [JIEBA_HEADER]
    words: set[str] = set()

    def add(line: str) -> None:
        word = line.split()[0]
        if word not in words:
            words.add(word)
            lines.append(line)

    for canonical, spellings in district_names(directory):
        for name in (canonical, *spellings):
            # jieba never yields a token containing a space (optics valley → optics / valley)
            if " " not in name:
                add(f"{name} {DISTRICT_FREQ} {DISTRICT_TAG}")
    for line in _dictionary_lines():
        add(line)
    for line in BOT_TERMS:
        add(line)
    return "\n".join(lines) + "\n"


def _from_json(path: Path) -> LiaisonDirectory:
    """The directory of a saved version (hotline/directory stores this shape)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    gazetteer = Gazetteer.from_data(data.get("gazetteer") or {}, where=path.name)
    return LiaisonDirectory.from_data(data["directory"], gazetteer, where=path.name)


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="only check that the generated files are up to date")
    parser.add_argument("--from-json", type=Path,
                        help="a saved directory version (JSON: {directory, gazetteer}, as the "
                             "directory editor stores it) instead of the YAML files")
    parser.add_argument("--nlu-out", type=Path, default=NLU_OUT, help="the NLU file to write")
    parser.add_argument("--jieba-out", type=Path, default=JIEBA_OUT,
                        help="the jieba dictionary to write")
    args = parser.parse_args(argv)

    directory = _from_json(args.from_json) if args.from_json else LiaisonDirectory.from_yaml(DIRECTORY)
    outputs = {args.nlu_out: render_nlu(directory), args.jieba_out: render_jieba(directory)}
    stale = [path for path, text in outputs.items()
             if not path.exists() or path.read_text(encoding="utf-8") != text]
    if args.check:
        for path in stale:
            print(f"out of date: {_shown(path)}", file=sys.stderr)
        return 1 if stale else 0
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(outputs[path], encoding="utf-8")
    status = ", ".join(_shown(p) for p in stale) or "nothing (up to date)"
    names = sum(1 + len(spellings) for _, spellings in district_names(directory))
    print(f"generate_nlu: {len(directory)} districts, {names} names and spellings; wrote {status}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
