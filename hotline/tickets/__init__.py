"""Handoff that someone owns: tickets, their life cycle, deadlines, ratings and rectification.

Knows nothing of the web: routes, chat actions and the scheduler call :class:`TicketService`.
"""
