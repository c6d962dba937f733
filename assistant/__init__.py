"""The answering brain, whatever the entry point (HTTP route, Rasa action, channel): answers
with citations, answer-first routing, liaison lookup, suggestions, tickets without Rasa, and
the shapes of a reply. Imports hotline, knowledge and retrieval; no web framework, no Rasa."""
