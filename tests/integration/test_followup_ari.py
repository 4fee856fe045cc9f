"""The Asterisk ARI adapter against a stand-in replaying the documented ARI exchange (Asterisk is
not packaged for this machine's Debian): dialling, answering, prompts, key presses, timeouts,
hang-ups, busy lines; and the whole robot campaign over it on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from typing import Any

import httpx2
import pytest
from sqlalchemy import update

from hotline.followup import service
from hotline.followup.adapters import CallReport
from hotline.followup.ari import AriCalls, status_of
from hotline.followup.models import FollowUpTaskRow
from tests.conftest import Platform
from tests.integration import fake_asterisk
from tests.integration.api import Api
from tests.integration.fake_asterisk import Citizen, FakeAsterisk
from tests.integration.test_followup import reviewed, tags, task_of


@pytest.fixture
def pbx() -> Iterator[tuple[FakeAsterisk, str]]:
    yield from fake_asterisk.running()


def gateway(fake: FakeAsterisk, url: str) -> AriCalls:
    return AriCalls(
        url=url,
        user="hotline",
        password="s3cret",
        endpoint="PJSIP/{phone}@carrier",
        key_timeout_s=0.3,
        client=httpx2.Client(base_url=url, transport=fake.transport()),
    )


def test_an_answered_call_plays_the_script_and_reports_the_keys(pbx: tuple[FakeAsterisk, str]) -> None:
    fake, url = pbx
    fake.citizens["13800000001"] = Citizen(keys=["1", "1", "2"])
    report = gateway(fake, url).session("call1-a", "13800000001")
    assert report == CallReport("call1-a", "answered", "112")
    method, path, params = fake.requests[0]
    assert (method, path) == ("POST", "/ari/channels")
    assert params["endpoint"] == "PJSIP/13800000001@carrier" and params["app"] == "hotline-followup"
    assert params["channelId"] == "call1-a"
    assert fake.played == [
        "sound:hotline/greeting",
        "sound:hotline/q-contacted",
        "sound:hotline/q-solved",
        "sound:hotline/q-satisfaction",
        "sound:hotline/thanks",
    ]
    assert fake.requests[-1][:2] == ("DELETE", "/ari/channels/call1-a")  # the robot hangs up
    assert fake.auth_seen == ["hotline:s3cret"]


def test_an_invalid_key_repeats_and_silence_times_out(pbx: tuple[FakeAsterisk, str]) -> None:
    fake, url = pbx
    fake.citizens["13800000002"] = Citizen(keys=["9", "1", "_", "_"])
    report = gateway(fake, url).session("call2-a", "13800000002")
    assert report.keys == "91__"
    assert fake.played[-3:] == ["sound:hotline/invalid", "sound:hotline/q-solved", "sound:hotline/handoff"]


def test_a_hang_up_mid_script_reports_the_keys_so_far(pbx: tuple[FakeAsterisk, str]) -> None:
    fake, url = pbx
    fake.citizens["13800000003"] = Citizen(keys=["1", "hangup"])
    assert gateway(fake, url).session("call3-a", "13800000003") == CallReport("call3-a", "answered", "1")


@pytest.mark.parametrize(("cause", "status"), [(17, "busy"), (19, "no_answer"), (1, "failed")])
def test_a_call_not_answered_reports_why(pbx: tuple[FakeAsterisk, str], cause: int, status: str) -> None:
    fake, url = pbx
    fake.citizens["13800000004"] = Citizen(answers=False, cause=cause)
    assert gateway(fake, url).session("call4-a", "13800000004").status == status
    assert status_of(cause) == status


def test_a_refused_originate_is_a_failed_call(pbx: tuple[FakeAsterisk, str]) -> None:
    fake, url = pbx  # no citizen at that number: ARI answers 400
    assert gateway(fake, url).session("call5-a", "13800000005").status == "failed"


def test_the_events_url_carries_the_application_and_key() -> None:
    gw = AriCalls(url="https://pbx.example:8089", user="u", password="p w", endpoint="PJSIP/{phone}")
    assert (
        gw.events_url()
        == "wss://pbx.example:8089/ari/events?app=hotline-followup&api_key=u:p%20w&subscribeAll=false"
    )


# --- the campaign over ARI, on both databases ----------------------------------------------------


@pytest.fixture
def p(isolated: Platform, pbx: tuple[FakeAsterisk, str]) -> Iterator[Platform]:
    fake, url = pbx
    app: Any = isolated.client.app
    wiring = app.state.wiring
    app.state.wiring = replace(wiring, followup=replace(wiring.followup, sms=None, calls=gateway(fake, url)))
    isolated.clock.now = datetime.combine(isolated.clock.now.date() + timedelta(days=1), time(1, 30), UTC)
    isolated.tokens.clear()
    yield isolated
    app.state.wiring = wiring
    with isolated.db.write() as s:
        s.execute(update(FollowUpTaskRow).where(FollowUpTaskRow.state == "open").values(state="cancelled"))


def test_the_robot_campaign_over_ari_reopens_an_unsatisfied_ticket(
    p: Platform, pbx: tuple[FakeAsterisk, str]
) -> None:
    fake, _ = pbx
    api = Api(p)
    fake.citizens["13800000006"] = Citizen(keys=["1", "2", "3"])
    tid = reviewed(api, citizen_phone="13800000006")
    p.clock.advance(hours=2)
    p.tokens.clear()
    policy: service.Policy = p.client.app.state.wiring.followup  # type: ignore[attr-defined]
    assert service.sweep(p.db, p.clock(), policy, clock=p.clock).calls_placed == 1
    assert isinstance(policy.calls, AriCalls)
    policy.calls.join(10)
    task = task_of(p, tid)
    assert task.state == "done" and task.method == "robot" and task.satisfaction == "unsatisfied"
    assert tags(api, tid)[-2:] == ["ticket.followed_up", "ticket.reopened"]


def test_the_settings_choose_ari() -> None:
    from hotline.config import Settings

    settings = Settings(
        followup_calls="ari",
        followup_ari_url="http://pbx:8088",
        followup_ari_user="hotline",
        followup_ari_password="pw",
        followup_ari_endpoint="PJSIP/{phone}@carrier",
    )
    policy = service.Policy.of(settings, deadlines=None)  # type: ignore[arg-type]
    assert isinstance(policy.calls, AriCalls) and policy.calls.endpoint == "PJSIP/{phone}@carrier"
    with pytest.raises(ValueError, match="ARI"):
        service.Policy.of(Settings(followup_calls="ari"), deadlines=None)  # type: ignore[arg-type]
