"""Who hears about a ticket step, and how: an in-app inbox plus webhook, e-mail and channels.

``policy`` decides the recipients and words the messages (无事不扰: only what matters to
each); ``notifier`` writes the inbox rows and queues external delivery in the durable
``outbox`` inside the ticket step's own transaction; the ``worker`` thread delivers it
through ``webhook``, ``mail`` or a registered ``channels`` sender, retrying with backoff.
``setup`` builds it all from settings.
"""
