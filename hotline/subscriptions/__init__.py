"""Opt-in policy updates (订阅, 无事不扰): enterprises subscribe to topics in chat; publishing
a document or FAQ tagged with a topic sends each subscriber one short notice.

``topics`` names the topics and their aliases; ``identity`` says which chat identities may
subscribe (verified ones only); ``models`` holds the tables; ``service`` subscribes,
unsubscribes, lists, tags documents and announces a publish through the notification
outbox (claim first, weekly cap, in the publish's transaction).
"""
