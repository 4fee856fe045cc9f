"""The demo's past leaves follow-ups to make: its newest approved replies wait in `reviewed`, so the
first sweep of the worker fills the operator's queue (the page is not empty in the demo)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from hotline.followup import queries, service
from tests.demo.conftest import DEADLINES, END, Written


def test_the_demo_history_leaves_follow_ups_due_in_the_queue(written: Written) -> None:
    # no ticket is written (exempt ones are not closed here): other tests read these tickets
    policy = service.Policy(deadlines=DEADLINES, close_unreached=False)
    waiting = sum(1 for t in written.tickets if t.status == "reviewed")
    made = service.sweep(written.db, END, policy)
    assert waiting >= 3 and made.created + made.exempt == waiting
    with written.db.read() as s:
        queue = queries.queue(s, END + timedelta(hours=2), ZoneInfo("Asia/Shanghai"), "zh")
    assert len(queue.due) >= 3
    assert all(t.phone for t in queue.due)
