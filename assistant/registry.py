"""Registry questions: is a company a 高新技术企业, is a certificate valid, which incubators
a district has, which 科技特派员 work in a field — read from the message by rules, answered
from the registries (hotline/registries) by both paths: the Rasa action
``action_lookup_registry`` and the direct (degraded) assistant."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from assistant.answers import ComposedAnswer
from assistant.shapes import Citation
from hotline.registries.answers import PICK_ENTITY, PICK_INTENT, RegistryReply, reply_for
from hotline.registries.formats import RegistryKind
from hotline.registries.lookup import LookupResult, RegistryLookup
from knowledge.directory import LiaisonDirectory
from knowledge.text import normalize_text

_CERTIFICATE = re.compile(r"gr\s*(\d[\dx*＊]*)", re.IGNORECASE)
_HIGHTECH = re.compile(r"高新技术企业|高新企业|高企|高新技术")
_INCUBATOR = re.compile(r"孵化器|众创空间|孵化载体|孵化基地")
_COMMISSIONER = re.compile(r"特派员|科特派")
# what asks about the registry's contents, not about the policy
_STATUS_CUE = re.compile(r"是不是|是否|算不算|属不属于|属于|在不在|有没有|还有效|有效期|有效吗|"
                         r"是.{0,6}吗|查|名单|名录|认定|证书|过期")
_LIST_CUE = re.compile(r"有哪些|哪些|哪几家|名单|名录|列表|列一下|查一下|查查|查询|查下|有没有|"
                       r"有(?:孵化器|众创空间|孵化载体|科技特派员|特派员|科特派).{0,4}吗|叫什么|几家|多少家|几位|推荐|找一|找个|找几")
_POLICY_CUE = re.compile(r"怎么|如何|怎样|条件|流程|(?:申报|申请|需要|准备|提交|哪些)材料|"
                         r"材料(?:有哪些|清单)|申报|申请|报名|选派|补贴|奖励|资助|"
                         r"政策|优惠|标准|要求|办法|多久|多长时间|需要|待遇|职责|好处|税|区别|"
                         r"在哪|哪里|哪儿|栏目|能不能查|可以查|能查|鄂汇办|电子证照|下载|复审|更名|"
                         r"考核|绩效|培育|审计|年报|找谁|找哪|门槛|一定要|必须")
# and, for incubators and 特派员, what asks about the programme or whom to contact
_PROGRAMME_CUE = re.compile(r"认定|备案|找谁|联系|负责|对接|抽查|入驻|进驻|服务内容|有哪些服务|"
                            r"类型|种类|几种|作用|干什么|是什么")
_HIGHTECH_WORD = r"(?:国家级?)?(?:高新技术企业|高新企业|高企)"
_SHORT_NAME = r"(?P<name>[\u4e00-\u9fffa-z0-9]{2,20}?)"
_END = r"(?:吗|么|呢|啊|呀)?$"
# a short name asked about without its legal form: "光谷芯材是高企吗", "高企名单里有没有光谷芯材"
_SHORT_STATUS = (
    re.compile(rf"^(?:请问|帮我|麻烦|查一下|查查|查询|看看|想问下?)*{_SHORT_NAME}(?:现在|目前)?还?"
               rf"(?:是不是|是否|算不算|属不属于|属于|是){_HIGHTECH_WORD}{_END}"),
    re.compile(rf"^{_SHORT_NAME}(?:在不在|在){_HIGHTECH_WORD}(?:名单|名录)(?:里|中|里面)?{_END}"),
    re.compile(rf"^{_HIGHTECH_WORD}(?:名单|名录)(?:里|中|里面)?(?:有没有|有|是否有|包括|包含)"
               rf"{_SHORT_NAME}(?:这家公司|这家)?{_END}"))
_COMPANY = re.compile(r"([\u4e00-\u9fffA-Za-z0-9（）()·&]{2,40}?"
                      r"(?:股份有限公司|有限责任公司|有限公司|集团|公司))")
_FILLER_START = re.compile(r"^(请问|你好|您好|麻烦|帮我|帮忙|想问一下|想问下|想问|问一下|问下|"
                           r"我想知道|想知道|查一下|查一查|查查|查询|查|看看|看一下|一下|请|"
                           r"那个|这个|这家|那家|企业|公司名称|名称)+")
_NAME_CUT = re.compile(r"是不是|是否|算不算|属不属于|属于|还在|在不在|有没有|还是|是高|"
                       r"的高新|的高企|在高新|在高企|高新技术企业|高新企业|高企|证书|资格")
_NAME_TAIL = re.compile(r"(的|是|还|它|吗|呢|现在|目前|名单|名录|里|中|里面|认定)+$")
_AFTER_CUE = re.compile(r"^(名单|名录|里面|里|中|有没有|是否有|包括|包含|查一下|查|一下|的)+")
_SELF = {"我们", "我司", "本公司", "我公司", "贵公司", "咱们", "我们公司", "这家", "那家", "你们"}
# words no company name is made of: the message asks something else
_NOT_A_NAME = re.compile(r"能不能|可不可以|可以|怎么|哪|什么|一家|某家|哪家|有些|手机|网上|的")
_KEYWORD_NOISE = re.compile(
    r"市级|科技特派员|特派员|查一下|查询|查查|查|帮我|帮忙|请问|找一下|找个|找|推荐|一下|"
    r"有哪些|有没有|哪些|哪位|哪个|谁|名单|名录|做|搞|从事|研究|懂|擅长|方向|领域|专业|方面|"
    r"行业|相关|的|有|吗|呢|个|位|能|可以|给我|我们|我|在|[\W_]")


@dataclass(frozen=True, slots=True)
class RegistryQuestion:
    """What a message asks of which registry (the parts it names)."""

    kind: RegistryKind
    company: str | None = None
    certificate: str | None = None
    malformed_certificate: str | None = None  # GR… but not GR + 12 digits
    district: str | None = None
    level: str | None = None
    incubator_kind: str | None = None
    keyword: str | None = None

    def what(self) -> str:
        """What was asked, as the answer says it back."""
        if self.certificate:
            return f"证书编号 {self.certificate}"
        if self.kind == RegistryKind.HIGHTECH:
            return f"“{self.company}”"
        place = f"{self.district}的" if self.district else ""
        if self.kind == RegistryKind.INCUBATOR:
            return f"{place}{self.level or ''}{self.incubator_kind or '孵化器和众创空间'}"
        field = f"{self.keyword}方向的" if self.keyword else ""
        return f"{place}{field}科技特派员"


def _pick(text: str) -> str | None:
    """The registered name a candidate button sends (/ask_registry{"registry_pick": …})."""
    if not text.startswith(PICK_INTENT):
        return None
    try:
        value = json.loads(text[len(PICK_INTENT):] or "{}").get(PICK_ENTITY)
    except (ValueError, AttributeError):
        return None
    return str(value)[:200] if value else None


def company_in(text: str) -> str | None:
    """The company a message names ("武汉某某科技有限公司是不是高新技术企业" → 武汉某某科技有限公司,
    "光谷芯材是高企吗" → 光谷芯材), or None."""
    normalized = unicodedata.normalize("NFKC", text).strip()
    found = _COMPANY.search(normalized)
    if found:
        name = _FILLER_START.sub("", found.group(1))
    else:
        cut = _NAME_CUT.search(normalized)
        before = normalized[:cut.start()] if cut else normalized
        name = _NAME_TAIL.sub("", _FILLER_START.sub("", re.sub(r"[\W_]", "", before)))
        if not name and cut:
            after = re.sub(r"[\W_]", "", normalized[cut.end():])
            name = _NAME_TAIL.sub("", _FILLER_START.sub("", _AFTER_CUE.sub("", after)))
    name = name.strip()
    if len(name) < 2 or name in _SELF or normalize_text(name) in _SELF or \
            _NOT_A_NAME.search(name):
        return None
    return name


def _certificate(text: str) -> tuple[str | None, str | None]:
    match = _CERTIFICATE.search(unicodedata.normalize("NFKC", text))
    if match is None:
        return None, None
    digits = match.group(1)
    number = "GR" + digits.upper()
    return (number, None) if re.fullmatch(r"\d{12}", digits) else (None, number)


def _level(text: str) -> str | None:
    for word, level in (("国家级", "国家级"), ("国家", "国家级"), ("国字号", "国家级"),
                        ("省级", "省级"), ("市级", "市级")):
        if word in text:
            return level
    return None


def _keyword(text: str, directory: LiaisonDirectory) -> str | None:
    normalized = normalize_text(text)
    for mention in sorted(directory.mentions_in_text(normalized), key=lambda m: -m.start):
        normalized = normalized[:mention.start] + " " + normalized[mention.end:]
    word = _KEYWORD_NOISE.sub("", normalized)
    return None if not word or re.search(r"哪|什么|怎|啥", word) else word[:20]


def read_question(text: str, directory: LiaisonDirectory) -> RegistryQuestion | None:
    """The registry question a message asks, or None when it names no registry."""
    if (picked := _pick(text.strip())) is not None:
        return RegistryQuestion(RegistryKind.HIGHTECH, company=picked)
    normalized = normalize_text(text)
    certificate, malformed = _certificate(normalized)
    if certificate or malformed:
        return RegistryQuestion(RegistryKind.HIGHTECH, certificate=certificate,
                                malformed_certificate=malformed)
    liaison = directory.find_in_text(normalized)
    district = liaison.district if liaison else None
    if _COMMISSIONER.search(normalized):
        return RegistryQuestion(RegistryKind.COMMISSIONER, district=district,
                                keyword=_keyword(normalized, directory))
    if _INCUBATOR.search(normalized) and not _HIGHTECH.search(normalized):
        kind = next((k for k in ("众创空间", "孵化器") if k in normalized), None)
        return RegistryQuestion(RegistryKind.INCUBATOR, district=district,
                                level=_level(normalized), incubator_kind=kind)
    if _HIGHTECH.search(normalized):
        return RegistryQuestion(RegistryKind.HIGHTECH, company=company_in(text))
    return None


def _short_status(normalized: str) -> bool:
    compact = re.sub(r"[\W_]", "", normalized)
    for pattern in _SHORT_STATUS:
        match = pattern.match(compact)
        if match and company_in(match.group("name")) is not None:
            return True
    return False


def asks_registry(text: str, directory: LiaisonDirectory) -> bool:
    """Whether a message asks what a registry holds (for the direct path's routing): a
    certificate number, a candidate button, a company by its full name or a short name
    right before 是不是高企, incubators or 特派员 of a district / level / field with a
    listing cue — and no policy cue ("东湖高新区有哪些国家级孵化器", not "孵化器认定要什么
    条件", "实习生算不算高企的科技人员" or "科技特派员有哪些服务")."""
    question = read_question(text, directory)
    if question is None:
        return False
    if question.certificate or question.malformed_certificate or _pick(text.strip()):
        return True
    normalized = normalize_text(text)
    if _POLICY_CUE.search(normalized):
        return False
    if question.kind == RegistryKind.HIGHTECH:
        named = _COMPANY.search(unicodedata.normalize("NFKC", text))
        return (named is not None and question.company is not None
                and bool(_STATUS_CUE.search(normalized))) or _short_status(normalized)
    if _PROGRAMME_CUE.search(normalized) or not _LIST_CUE.search(normalized):
        return False
    if question.kind == RegistryKind.INCUBATOR:
        return bool(question.district or question.level or question.incubator_kind)
    return bool(question.keyword or question.district)


def may_ask_registry(text: str, directory: LiaisonDirectory) -> bool:
    """Whether a message NLU took for a registry question names a registry without asking
    about the policy (which the knowledge base answers)."""
    if read_question(text, directory) is None:
        return False
    return _pick(text.strip()) is not None or not _POLICY_CUE.search(normalize_text(text))


def _citation(result: LookupResult, reply: RegistryReply) -> Citation | None:
    version = result.version
    if version is None:
        return None
    return Citation(doc_id=f"registry:{result.kind.value}", title=result.format.label,
                    doc_number=None, section=f"{version.source}（{version.published_on}发布）",
                    snippet=reply.text.splitlines()[0][:160], score=1.0)


@dataclass(frozen=True, slots=True)
class RegistryAnswer:
    """A registry reply, the citation of the version it came from, and the look-up outcome."""

    reply: RegistryReply
    answer: ComposedAnswer | None


def answer_question(question: RegistryQuestion, lookup: RegistryLookup,
                    today: date | None = None) -> RegistryAnswer:
    """Look the question up and say what the registry holds."""
    today = today or date.today()
    if question.malformed_certificate:
        return RegistryAnswer(RegistryReply(
            f"证书编号“{question.malformed_certificate}”不完整：高新技术企业证书编号是 GR 加 "
            "12 位数字（如 GR202342001234），请核对后再发给我。", "incomplete"), None)
    if question.kind == RegistryKind.HIGHTECH and not question.certificate \
            and not question.company:
        return RegistryAnswer(RegistryReply(
            "请告诉我要查的企业全称（营业执照上的名称）或高新技术企业证书编号（GR 开头），"
            "我在高新技术企业名单里帮您查。", "incomplete"), None)
    if question.certificate:
        result = lookup.certificate(question.certificate)
    elif question.kind == RegistryKind.HIGHTECH:
        result = lookup.company(question.company or "")
    elif question.kind == RegistryKind.INCUBATOR:
        result = lookup.incubators(question.district, question.level, question.incubator_kind,
                                   question.what())
    else:
        result = lookup.commissioners(question.keyword, question.district, question.what())
    reply = reply_for(result, question.what(), today)
    citation = _citation(result, reply) if result.outcome == "found" else None
    answer = ComposedAnswer(reply.text, 1.0, [citation], False) if citation else None
    return RegistryAnswer(reply, answer)
