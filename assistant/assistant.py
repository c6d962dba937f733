"""The direct assistant: answers from retrieval and the directory without the dialogue server.

It is the degraded mode once the Rasa dialogue layer routes conversations, and the
reference for what each answer looks like.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant import intent_rules
from assistant.answers import ComposedAnswer, compose_answer
from assistant.appointments import BOOK_CHOICE, mentions_booking
from assistant.choices import HUMAN_CHOICE
from assistant.clarify import choices, chosen_answer, chosen_chunk
from assistant.liaison import (
    alias_used,
    describe_directory,
    describe_leader,
    describe_liaison,
    directory_citation,
)
from assistant.person_neighbours import PersonNeighbours
from assistant.registry import answer_question, asks_registry, may_ask_registry, read_question
from assistant.routing import may_answer_first
from hotline.registries.lookup import RegistryLookup
from knowledge.corpus import ANNEX_TITLE, KnowledgeBase
from knowledge.directory import HeardPlace, Liaison
from knowledge.referrals import match_referral
from retrieval.searcher import HybridSearcher, SearchResult

REFERRAL_OVERRIDE = 0.9  # confidence needed to answer a message that names another agency's topic


@dataclass(frozen=True, slots=True)
class PolicyTrace:
    """How :meth:`DirectAssistant.policy` decided (shown by the admin console's 试一试)."""

    result: SearchResult | None  # None: the knowledge base is unavailable
    answer_threshold: float  # the calibrated answer threshold
    threshold: float  # the one applied (raised to REFERRAL_OVERRIDE for another agency's topic)
    referral: str | None  # the other agency's topic the message names
    confidence: float  # calibrated confidence of the composed answer (0 without one)
    reason: str  # why, in a sentence


@dataclass(slots=True)
class AssistantTurn:
    """What the assistant says for one message."""

    intent: str
    texts: list[str]
    buttons: list[tuple[str, str]] = field(default_factory=list)
    answer: ComposedAnswer | None = None
    outcome: str = "answered"  # answered | declined | referred | liaison | registry | smalltalk | handoff
    trace: PolicyTrace | None = None  # set by policy(): the search and the threshold applied


class DirectAssistant:
    """Routes a message by simple rules, then answers from the directory or the index."""

    def __init__(self, knowledge: KnowledgeBase, searcher: HybridSearcher | None,
                 answer_threshold: float, faq_verbatim_similarity: float,
                 registries: RegistryLookup | None = None,
                 choice_threshold: float | None = None,
                 person_neighbours: PersonNeighbours | None = None) -> None:
        self.knowledge = knowledge
        self.searcher = searcher
        self.answer_threshold = answer_threshold
        self.faq_verbatim_similarity = faq_verbatim_similarity
        self.registries = registries  # the imported registries (hotline/registries)
        # a decline offers the candidates at least this confident (None: never)
        self.choice_threshold = choice_threshold
        # requests for a person the rules miss, by the nearest NLU examples (None: rules only)
        self.person_neighbours = person_neighbours

    def respond(self, text: str) -> AssistantTurn:
        """The assistant's turn for one user message."""
        directory = self.knowledge.directory
        if chosen_chunk(text) is not None:  # a 猜你想问 button
            return self.policy(text)
        if intent_rules.is_greeting(text):
            return AssistantTurn("greet", [
                "您好，我是市科技局“店小二”。可以问我科技政策和办事指南（如高企认定、"
                "外国人来华工作许可、孵化器），也可以问您所在区的包区联系人。"], outcome="smalltalk")
        if intent_rules.is_thanks(text):
            return AssistantTurn("thanks", ["不客气，有需要随时找我。"], outcome="smalltalk")
        if intent_rules.is_goodbye(text):
            return AssistantTurn("goodbye", ["再见，祝企业发展顺利！"], outcome="smalltalk")
        if intent_rules.is_bot_challenge(text):
            if answered := self.answer_first(text, "bot_challenge"):  # "工业机器人企业…"
                return answered
            return AssistantTurn("bot_challenge", [
                "我是市科技局“店小二”智能助手，不是真人。我答不了或者您想找人的时候，"
                "可以随时转人工，由包区联系人跟进。"], buttons=[HUMAN_CHOICE], outcome="smalltalk")
        if intent_rules.requests_person(text, directory):
            return self._human(text)
        if registry := self.registry(text):
            return registry
        if intent_rules.asks_about_leader(text, directory) or \
                intent_rules.asks_for_liaison(text, directory):
            return self.lookup_liaison(text)
        turn = self.policy(text)
        if turn.outcome != "answered" and self.person_neighbours is not None and \
                self.person_neighbours.asks_for_person(text):
            return self._human(text)  # "能不能安排个懂行的跟我聊聊", unknown to the rules
        return turn

    def _human(self, text: str) -> AssistantTurn:
        liaison = self.knowledge.directory.find_in_text(text)
        if liaison is None:
            return AssistantTurn("request_human", [
                "好的，我来帮您联系人工。" + describe_directory(self.knowledge.directory)],
                outcome="handoff")
        return AssistantTurn("request_human", [describe_liaison(liaison)], outcome="handoff",
                             answer=self._directory_answer(liaison))

    def leader(self, leader: str) -> AssistantTurn:
        """The districts a leader serves."""
        liaisons = self.knowledge.directory.districts_of_leader(leader)
        citations = [directory_citation(self.knowledge.directory, liaison, ANNEX_TITLE)
                     for liaison in liaisons]
        answer = ComposedAnswer(describe_leader(leader, liaisons), 1.0, citations, False)
        return AssistantTurn("ask_liaison", [answer.text], answer=answer, outcome="liaison")

    def liaison(self, text: str, district: str | None = None) -> AssistantTurn:
        """Who serves the district named in the text (or given), or which district to pick."""
        directory = self.knowledge.directory
        given = directory.get(district) if district else None
        found = [given] if given else directory.find_all_in_text(text)
        heard = None if found else directory.heard_in_text(text)
        if heard is not None:  # "红山区" → 洪山区: say how the message was read
            return self._heard(heard)
        if not found:
            return AssistantTurn("ask_liaison", [describe_directory(directory)],
                                 buttons=[(item.district, item.district) for item in directory.liaisons],
                                 outcome="liaison")
        replies = [describe_liaison(item, alias_used(directory, text, item)) for item in found]
        citations = [directory_citation(directory, item, ANNEX_TITLE) for item in found]
        answer = ComposedAnswer("\n".join(replies), 1.0, citations, False)
        return AssistantTurn("ask_liaison", replies, answer=answer, outcome="liaison")

    def _heard(self, heard: HeardPlace) -> AssistantTurn:
        directory = self.knowledge.directory
        name = heard.name if heard.name != heard.liaison.district else None
        reply = (f"您说的“{heard.written}”，我理解为“{heard.name}”。"
                 + describe_liaison(heard.liaison, name))
        citation = directory_citation(directory, heard.liaison, ANNEX_TITLE)
        answer = ComposedAnswer(reply, 1.0, [citation], False)
        return AssistantTurn("ask_liaison", [reply], answer=answer, outcome="liaison")

    def _directory_answer(self, liaison: Liaison) -> ComposedAnswer:
        citation = directory_citation(self.knowledge.directory, liaison, ANNEX_TITLE)
        return ComposedAnswer(describe_liaison(liaison), 1.0, [citation], False)

    def lookup_liaison(self, text: str, remembered: str | None = None) -> AssistantTurn:
        """A liaison question: the leader asked about, else the district named in the text;
        else, for a question about the bureau's liaison ("联系人是谁"), the district
        ``remembered`` from earlier in the conversation; a message that names no place and
        asks no liaison question is answered from the knowledge base when it is confident
        (answer first); otherwise the enterprise picks its district."""
        directory = self.knowledge.directory
        if leader := intent_rules.asks_about_leader(text, directory):
            return self.leader(leader)
        if named := directory.find_in_text(text):
            return self.liaison(text, named.district)
        if heard := directory.heard_in_text(text):
            return self._heard(heard)
        if not intent_rules.mentions_liaison(text):
            answered = self.answer_first(text, "ask_liaison")
            if answered is not None:
                return answered
        known = directory.get(remembered) if remembered else None
        return self.liaison(text, known.district if known else None)

    def liaison_first(self, text: str, intent: str | None = None) -> AssistantTurn | None:
        """The directory's answer to a question about a named place's liaison or a leader.

        Used before the knowledge base (a liaison question NLU read as a policy question)
        and, stricter, for a message NLU read as a request for a person: only "who serves
        <place>" without asking to be put through ("青山区 contact person").
        """
        directory = self.knowledge.directory
        if leader := intent_rules.asks_about_leader(text, directory):
            return self.leader(leader)
        asks = (intent_rules.asks_who_serves(text, directory) if intent == "request_human"
                else intent_rules.asks_for_liaison(text, directory))
        if asks and (directory.find_all_in_text(text) or directory.heard_in_text(text)):
            return self.liaison(text)
        return None

    def registry(self, text: str, intent: str | None = None) -> AssistantTurn | None:
        """The registries' answer to a registry look-up (a company's 高企 status, a
        certificate number, incubators, 科技特派员), or None for any other message.

        A look-up is what :func:`asks_registry` recognises; with NLU's ``ask_registry``
        also any message naming a registry without asking about the policy itself.
        """
        directory = self.knowledge.directory
        if self.registries is None or not (
                asks_registry(text, directory) or
                (intent == "ask_registry" and may_ask_registry(text, directory))):
            return None
        question = read_question(text, directory)
        if question is None:
            return None
        found = answer_question(question, self.registries)
        return AssistantTurn("ask_registry", [found.reply.text],
                             buttons=found.reply.buttons or [HUMAN_CHOICE], answer=found.answer,
                             outcome="registry")

    def answer_first(self, text: str, intent: str | None) -> AssistantTurn | None:
        """The confident answer to a message given a non-answering intent, or None.

        See :mod:`assistant.routing`: only for the intents there, only when the message
        carries a question, only when retrieval is confident; None lets the intent's own
        handling go ahead. A request for a person is only ever answered from the directory,
        when it merely asks who serves a named place.
        """
        if intent == "request_human":
            return self.liaison_first(text, intent)
        if not may_answer_first(text, intent):
            return None
        turn = self.policy(text)
        return turn if turn.outcome == "answered" else None

    def policy(self, text: str) -> AssistantTurn:
        """An answer from the knowledge base, a referral, or an honest decline; the turn's
        ``trace`` says how it was decided."""
        if self.searcher is None:
            trace = PolicyTrace(None, self.answer_threshold, self.answer_threshold, None, 0.0,
                                "知识库（检索索引）不可用")
            return AssistantTurn("ask_policy", [
                "抱歉，知识库暂时不可用，我现在没法可靠地回答政策问题。您可以转人工，"
                "或问我所在区的包区联系人。"], buttons=[HUMAN_CHOICE], outcome="declined",
                trace=trace)
        if (chunk_id := chosen_chunk(text)) is not None:
            return self._chosen(chunk_id)
        result = self.searcher.search(text, k=5)
        composed = compose_answer(self.knowledge, result, self.faq_verbatim_similarity)
        referral = match_referral(text, self.knowledge.referrals)
        # Another agency's topic is referred unless the knowledge base answers it outright.
        threshold = max(self.answer_threshold, REFERRAL_OVERRIDE) if referral else \
            self.answer_threshold
        confidence = composed.confidence if composed is not None else 0.0

        def traced(reason: str) -> PolicyTrace:
            return PolicyTrace(result, self.answer_threshold, threshold,
                               referral.topic if referral else None, confidence, reason)

        if composed is not None and composed.confidence >= threshold:
            # "可以先预约再去窗口吗" is answered from clause （四）, and may book right away
            offer = [BOOK_CHOICE, HUMAN_CHOICE] if mentions_booking(text) else [HUMAN_CHOICE]
            return AssistantTurn("ask_policy", [composed.text], answer=composed,
                                 buttons=offer, trace=traced(
                                     f"校准置信度 {confidence:.3f} ≥ 阈值 {threshold:.3f}，作答"))
        if referral is not None:
            return AssistantTurn("out_of_scope", [
                f"这个问题属于{referral.topic}方面，不在市科技局的职责范围内，我不便作答。"
                f"{referral.referral}"], outcome="referred", trace=traced(
                    f"涉及{referral.topic}（其他部门职责），置信度 {confidence:.3f} 未达"
                    f"其他部门话题的作答门槛 {threshold:.3f}，转介"))
        reason = (f"校准置信度 {confidence:.3f} < 阈值 {threshold:.3f}，拒答" if composed
                  else "没有检索到任何候选，拒答")
        offered = choices(self.knowledge, result, self.choice_threshold) \
            if self.choice_threshold is not None else []
        if offered:
            return AssistantTurn("out_of_scope", [
                "抱歉，我没有找到足够可靠的答案，不想给您不准确的信息。" + (
                    "您问的是不是下面这一项？是的话点它，我就按它回答；不是的话，"
                    if len(offered) == 1 else
                    "您问的是不是下面这几项？点一项我就按它回答；都不是的话，")
                + "可以换个说法再问，或者转人工。"],
                buttons=[*offered, HUMAN_CHOICE], outcome="declined", trace=traced(
                    f"{reason}；给出 {len(offered)} 个置信度 ≥ {self.choice_threshold:.3f} "
                    "的候选供选择"))
        return AssistantTurn("out_of_scope", [
            "抱歉，我在市科技局的政策和办事指南里没有找到可靠的答案，不想给您不准确的信息。"
            "可以换个说法再问，或者转人工，由您所在区的包区联系人跟进。"],
            buttons=[HUMAN_CHOICE], outcome="declined", trace=traced(reason))

    def _chosen(self, chunk_id: str) -> AssistantTurn:
        """The answer of the candidate the enterprise picked from a decline's choices."""
        answer = chosen_answer(self.knowledge, chunk_id)
        if answer is None:
            return AssistantTurn("ask_policy", [
                "抱歉，这一项已经不在现行的政策和办事指南里了。您可以重新描述问题，或者转人工。"],
                buttons=[HUMAN_CHOICE], outcome="declined")
        return AssistantTurn("ask_policy", [answer.text], answer=answer, buttons=[HUMAN_CHOICE])
