"""The problem list (问题清单): what the assistant and the hotline failed at, grouped.

Declined questions, not-helpful answers, poor ratings and overdue tickets are collected
(``sources``), grouped by embedding similarity (``clustering``), counted, and closed by
staff with a resolution (``service``); resolutions are stored in ``models``.
"""
