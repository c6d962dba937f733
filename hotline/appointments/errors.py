"""Why a booking step was refused; ``reason`` is the Chinese sentence shown to the caller.

::

    AppointmentError
    ├── InvalidBooking        the request itself cannot be booked (a day off, a past or
    │                         unknown slot, beyond the booking horizon, a bad phone) → 422
    ├── AppointmentNotFound   no such booking of this caller (another's looks the same) → 404
    └── BookingConflict       the state says no: full, blocked, already booked, cancelled → 409
"""

from __future__ import annotations


class AppointmentError(Exception):
    """A refused step; nothing of it was stored."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InvalidBooking(AppointmentError):
    """The request cannot be booked as asked."""


class AppointmentNotFound(AppointmentError):
    """No such booking for this caller."""

    def __init__(self, appointment_id: int) -> None:
        super().__init__(f"没有找到预约 {appointment_id} / no such appointment")


class BookingConflict(AppointmentError):
    """The slot or the booking is not in a state that allows the step."""
