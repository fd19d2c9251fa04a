"""The escalation domain: pure aggregates and named rules, no I/O."""

from services.escalation.domain.acklink import AckLink
from services.escalation.domain.delivery import Delivery
from services.escalation.domain.directory import ContactDirectory
from services.escalation.domain.escalation import Escalation
from services.escalation.domain.watch import Watch

__all__ = ["AckLink", "ContactDirectory", "Delivery", "Escalation", "Watch"]
