"""The topics an enterprise can subscribe to, and the words that name them in a message."""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.text import normalize_text


@dataclass(frozen=True, slots=True)
class Topic:
    """A subscription topic: a stable key (stored), its name (shown) and its aliases."""

    key: str
    name: str
    aliases: tuple[str, ...]


TOPICS: tuple[Topic, ...] = (
    Topic("high_tech", "高企认定", ("高企认定", "高新技术企业", "高新企业", "高企")),
    Topic("projects", "科技项目申报", ("科技项目申报", "项目申报", "科技项目", "申报通知")),
    Topic("transfer", "成果转化", ("成果转化", "技术合同", "技术转移", "科技成果")),
    Topic("incubators", "孵化载体", ("孵化载体", "孵化器", "众创空间", "加速器")),
    Topic("talent", "人才与外国人工作许可", ("人才与外国人工作许可", "外国人来华工作许可",
                                             "外国人工作许可", "工作许可", "外籍人才", "人才")),
    Topic("finance", "科技金融", ("科技金融", "科技贷款", "科技贷", "知识产权质押", "科创贷")),
    Topic("commissioners", "科技特派员", ("科技特派员", "特派员")),
)
BY_KEY = {topic.key: topic for topic in TOPICS}
_ALIASES = sorted(((normalize_text(alias), topic) for topic in TOPICS for alias in topic.aliases),
                  key=lambda pair: -len(pair[0]))  # longest first: 外国人工作许可 before 人才


def topic_by_key(key: str) -> Topic | None:
    """The topic stored under ``key`` (None when unknown)."""
    return BY_KEY.get(key)


def find_topic(text: str) -> Topic | None:
    """The topic a message names (a key, a name or an alias), or None."""
    if (topic := BY_KEY.get(text.strip())) is not None:
        return topic
    normalized = normalize_text(text)
    for alias, topic in _ALIASES:
        if alias and alias in normalized:
            return topic
    return None


def topic_names(keys: list[str] | tuple[str, ...]) -> str:
    """Topic keys as one Chinese phrase: 高企认定、成果转化."""
    return "、".join(BY_KEY[key].name for key in keys if key in BY_KEY)
