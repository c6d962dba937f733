"""The hotline's domain: tickets (lifecycle, deadlines, ratings, links, escalation),
notifications, appointments and office hours, the problem list, conversations, access
(sessions, throttle, roles, staff accounts), the database and the one settings object.
Imports knowledge and retrieval at most; no web framework, no Rasa, nothing of ``api``
(tests/test_architecture.py)."""
