"""Appointments at the bureau's window in 市民之家 (预约服务) and extended hours (延时服务).

``hours`` holds the office hours (half-days, extended-hours windows, slot length) over the
Chinese working-day calendar the tickets' deadlines use, whether now is office hours and the
next call-back day; ``models`` the slots (one row per calendar, day and start, with its
booking counter) and the bookings; ``service`` books, lists, reschedules, cancels, marks
attendance and blocks slots — a conditional ``UPDATE … WHERE booked < capacity`` on the
slot's row is what keeps a slot from being booked beyond its capacity, across processes;
``reminders`` writes the working-day-before reminder through the notification outbox, once
per booking. No web framework here (tests/test_architecture.py).
"""
