"""Which visit each member of staff is out on now, kept current from the store's notification log,
so a text or a call from their mobile finds their visit without a scan of every visit."""

from __future__ import annotations

import threading
from uuid import UUID

from services.visits.domain import OUT, Visit
from shared.storage.freshcache import FreshCached

VISIT_TOPIC = "services.visits.domain:Visit."


class OpenVisits:
    def __init__(self, app: FreshCached) -> None:
        self.app = app
        self.position = 0
        self.out: dict[tuple[str, str], set[UUID]] = {}
        self.closed: dict[tuple[str, str], UUID] = {}
        self.lock = threading.Lock()

    def follow(self) -> None:
        with self.lock:
            while True:
                notifications = self.app.recorder.select_notifications(self.position + 1, 1000)
                if not notifications:
                    return
                changed = dict.fromkeys(UUID(str(n.originator_id)) for n in notifications
                                        if n.topic.startswith(VISIT_TOPIC))
                for visit_id in changed:
                    self._refresh(visit_id)
                self.position = notifications[-1].id

    def _refresh(self, visit_id: UUID) -> None:
        visit: Visit | None = self.app.find(visit_id, Visit, copy=False)
        if visit is None:
            return
        for staff_id in visit.visiting_staff:
            key = (visit.school_urn, staff_id)
            if visit.status in OUT:
                self.out.setdefault(key, set()).add(visit_id)
            elif visit_id in self.out.get(key, set()):
                self.out[key].discard(visit_id)
                self.closed[key] = visit_id

    def of(self, school_urn: str, staff_id: str) -> tuple[list[UUID], UUID | None]:
        """The staff member's visits out now at the school, and the last one they came back
        from (to say why a reply found nothing)."""
        self.follow()
        key = (school_urn, staff_id)
        return sorted(self.out.get(key, set())), self.closed.get(key)
