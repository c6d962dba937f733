"""Several Rasa replicas behind one client: each conversation keeps to one replica.

``DXE_RASA_URL`` may list several servers, comma-separated
(``http://127.0.0.1:5005,http://127.0.0.1:5006``). The replicas share their conversations
(PostgreSQL tracker store) and a lock per conversation (Redis lock store,
bot/endpoints.replicas.yml), so any of them could take any turn; keeping a conversation on
one replica (a stable hash of its id) spares the lock a wait between replicas. When that
replica cannot be reached, the turn goes to the next one — the same conversation, read from
the shared tracker store. A turn that reached a replica and then failed (a timeout) is not
sent again: the replica may have taken it, and a second one would answer it twice.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from api.dialogue.rasa_client import (
    DialogueReply,
    DialogueUnavailable,
    DialogueUnreachable,
    RasaClient,
)

T = TypeVar("T")


def dialogue_urls(setting: str) -> list[str]:
    """The servers a ``DXE_RASA_URL`` value names, in order (empty: direct mode)."""
    return [url.strip() for url in setting.split(",") if url.strip()]


class RasaPool:
    """The :class:`RasaClient` interface over several replicas.

    A conversation's turns and its tracker reads go to the replica its id hashes to
    (others only when that one fails); NLU-only requests rotate; a model is loaded into
    every replica.
    """

    def __init__(self, clients: list[RasaClient]) -> None:
        if not clients:
            raise ValueError("a pool needs at least one dialogue server")
        self.clients = clients
        self._rotation = itertools.cycle(range(len(clients)))

    @property
    def base_url(self) -> str:
        return ",".join(client.base_url for client in self.clients)

    def home(self, sender_id: str) -> int:
        """The replica a conversation keeps to (stable across processes and restarts)."""
        digest = hashlib.blake2b(sender_id.encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big") % len(self.clients)

    async def send(self, sender_id: str, text: str, metadata: dict[str, Any] | None = None
                   ) -> DialogueReply:
        return await self._from(self.home(sender_id),
                                lambda client: client.send(sender_id, text, metadata),
                                retry_on=DialogueUnreachable)

    async def latest_intent(self, sender_id: str) -> str | None:
        return await self._from(self.home(sender_id),
                                lambda client: client.latest_intent(sender_id))

    async def parse(self, text: str) -> dict[str, Any]:
        return await self._from(next(self._rotation), lambda client: client.parse(text))

    async def status(self) -> str:
        """The loaded model's file name, the same on every replica; raises
        :class:`DialogueUnavailable` when any replica is down or serves another model."""
        models = {await client.status() for client in self.clients}
        if len(models) > 1:
            raise DialogueUnavailable(f"replicas serve different models: {sorted(models)}")
        return models.pop()

    async def replace_model(self, model_file: str) -> None:
        """Load the model into every replica (each keeps its old one if loading fails)."""
        for client in self.clients:
            await client.replace_model(model_file)

    async def close(self) -> None:
        for client in self.clients:
            await client.close()

    async def _from(self, first: int, call: Callable[[RasaClient], Awaitable[T]],
                    retry_on: type[DialogueUnavailable] = DialogueUnavailable) -> T:
        """``call`` on replica ``first``, then on the next ones while it fails with
        ``retry_on``; reads are safe to repeat anywhere, a turn only if never delivered."""
        failures: list[str] = []
        for offset in range(len(self.clients)):
            client = self.clients[(first + offset) % len(self.clients)]
            try:
                return await call(client)
            except retry_on as exc:
                failures.append(f"{client.base_url}: {exc}")
        raise DialogueUnavailable("; ".join(failures))


DialogueClient = RasaClient | RasaPool
"""What the app talks to Rasa through: one server or a pool of replicas."""


def dialogue_client(setting: str, jwt_secret: str | None, timeout: float
                    ) -> DialogueClient | None:
    """The client for ``DXE_RASA_URL``: none (direct mode), one server, or a pool."""
    urls = dialogue_urls(setting)
    if not urls:
        return None
    clients = [RasaClient(url, jwt_secret, timeout) for url in urls]
    return clients[0] if len(clients) == 1 else RasaPool(clients)
