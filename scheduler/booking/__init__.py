"""Phone booking: offers the current plan can keep, confirming one safely, cancelling with a reason.

`draft` reads what the operator asked for (a *draft request*, format in
``docs/BOOKING.md``); `offers` finds concrete promise windows by inserting the
draft into the stored routes of each week (`scheduler.vrp.insertion`), never
by a re-solve; `confirm` books one in a single write transaction and records
it as a new plan version derived from the current one; `readback` says it
back to the resident in Japanese.
"""

from scheduler.booking.confirm import (
           AlreadyBooked,
           Booking,
           SlotTaken,
           book,
           cancel_booking,
)
from scheduler.booking.draft import Draft, parse_draft
from scheduler.booking.offers import NO_OFFER_CODES, Offer, OfferResult, find_offers
from scheduler.booking.readback import read_back, read_back_seat
from scheduler.booking.residents import (
           LikelyDuplicate,
           fold_reading,
           register_resident,
           resident_history,
           suggest_reading,
)
from scheduler.booking.sessions import (
           SeatAlreadyCancelled,
           SeatError,
           SessionSlot,
           book_seat,
           cancel_seat,
           nearby_sessions,
)

__all__ = ["NO_OFFER_CODES", "AlreadyBooked", "Booking", "Draft", "LikelyDuplicate", "Offer", "OfferResult",
           "SeatAlreadyCancelled", "SeatError", "SessionSlot", "SlotTaken", "book", "book_seat", "cancel_booking",
           "cancel_seat", "find_offers", "fold_reading", "nearby_sessions", "parse_draft", "read_back",
           "read_back_seat", "register_resident", "resident_history", "suggest_reading"]
