"""Which replica a conversation goes to (api/dialogue/rasa_pool.py). That the replicas
really share a conversation, and that a turn moves on when its replica is down, is tested
against two real Rasa servers in tests/dialogue/test_replicas.py."""

from __future__ import annotations

from collections import Counter

from api.dialogue.rasa_client import RasaClient
from api.dialogue.rasa_pool import RasaPool, dialogue_client, dialogue_urls


def test_the_setting_names_none_one_or_several_servers() -> None:
    assert dialogue_urls("") == []
    assert dialogue_urls(" http://a:5005 ") == ["http://a:5005"]
    assert dialogue_urls("http://a:5005, http://b:5006,") == ["http://a:5005", "http://b:5006"]
    assert dialogue_client("", None, 1.0) is None
    assert isinstance(dialogue_client("http://a:5005", None, 1.0), RasaClient)
    pool = dialogue_client("http://a:5005,http://b:5006", None, 1.0)
    assert isinstance(pool, RasaPool) and pool.base_url == "http://a:5005,http://b:5006"


def test_a_conversation_keeps_to_one_replica_and_conversations_spread() -> None:
    pool = RasaPool([RasaClient(f"http://r{n}:5005", None, 1.0) for n in range(2)])
    again = RasaPool([RasaClient(f"http://other{n}:5005", None, 1.0) for n in range(2)])
    senders = [f"web:{n:04d}" for n in range(1000)]
    homes = [pool.home(sender) for sender in senders]
    assert homes == [again.home(sender) for sender in senders]  # stable in every process
    assert all(0.4 < count / 1000 < 0.6 for count in Counter(homes).values())
