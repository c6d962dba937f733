"""The audit log: who changed what, when, before and after (accounts now; documents, FAQs
and the directory with the admin console). Ticket steps have their own append-only history
(``ticket_events``)."""
