"""Real telephony for robot follow-up calls: Asterisk through ARI (the Asterisk REST Interface).

One call is one thread: it subscribes to the application's events (WebSocket
``/ari/events?app=…``) first, then originates the channel (``POST /ari/channels`` with
``app`` and ``channelId`` = the platform's call id, so every event of the call names it). When the
citizen answers, Asterisk hands the channel to the application (``StasisStart``); the thread plays
the prompts of `domain/call_script.py` as recorded sound files (``POST /ari/channels/{id}/play``),
reads the keys (``ChannelDtmfReceived``; a key during a prompt cuts it short), and feeds them to the
same state machine the platform replays. At the end it plays the goodbye, hangs up
(``DELETE /ari/channels/{id}``) and reports the keys. A channel destroyed before ``StasisStart``
was not answered: its Q.850 cause says busy (17), no answer (18, 19, 21, 16) or failed (others).

Setup (dialplan, ari.conf, http.conf, the sound files, settings): docs/follow-up.md."""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import httpx2
from websockets.sync.client import ClientConnection, connect

from hotline.domain import call_script as cs
from hotline.followup.adapters import CallReport, Report

log = logging.getLogger("hotline.followup.ari")

# The recorded prompts, as sound files under Asterisk's sounds directory (…/sounds/<lang>/hotline/).
SOUNDS: dict[str, str] = {
    cs.GREETING: "hotline/greeting",
    cs.QUESTIONS[0].prompt: "hotline/q-contacted",
    cs.QUESTIONS[1].prompt: "hotline/q-solved",
    cs.QUESTIONS[2].prompt: "hotline/q-satisfaction",
    cs.INVALID: "hotline/invalid",
    cs.THANKS: "hotline/thanks",
    cs.HANDOFF: "hotline/handoff",
}
_BUSY = {17}
_NO_ANSWER = {16, 18, 19, 21}
_GONE = {"ChannelDestroyed", "StasisEnd", "ChannelHangupRequest"}


class _HungUp(Exception):
    pass


def status_of(cause: int | None) -> str:
    """The report's status of a channel that ended before it was answered (Q.850 cause)."""
    if cause in _BUSY:
        return "busy"
    if cause in _NO_ANSWER:
        return "no_answer"
    return "failed"


@dataclass
class AriCalls:
    """`CallGateway` over ARI. ``url`` is Asterisk's HTTP server (``http://pbx:8088``);
    ``endpoint`` the dial string with ``{phone}`` (``PJSIP/{phone}@carrier``)."""

    url: str
    user: str
    password: str
    endpoint: str
    app: str = "hotline-followup"
    caller_id: str = "12345"
    ring_timeout_s: int = 30
    key_timeout_s: float = 8.0
    client: httpx2.Client | None = None
    _threads: list[threading.Thread] = field(default_factory=list, repr=False)

    # --- the gateway ----------------------------------------------------------------------------

    def call(self, call_id: str, phone: str, report: Report) -> None:
        """Place the call on a thread of its own; ``report`` gets its result when it ends."""
        thread = threading.Thread(
            target=self._run, args=(call_id, phone, report), name=f"ari-{call_id}", daemon=True
        )
        self._threads.append(thread)
        thread.start()

    def join(self, timeout: float | None = None) -> None:
        """Wait for the calls in progress (tests, and a worker stopping)."""
        for thread in list(self._threads):
            thread.join(timeout)
        self._threads = [t for t in self._threads if t.is_alive()]

    def _run(self, call_id: str, phone: str, report: Report) -> None:
        try:
            result = self.session(call_id, phone)
        except Exception:  # the PBX went away: an unanswered call, tried again later
            log.exception("ARI call %s failed", call_id)
            result = CallReport(call_id, "failed")
        report(result)

    # --- one call -------------------------------------------------------------------------------

    def events_url(self) -> str:
        parts = urlsplit(self.url.rstrip("/"))
        scheme = "wss" if parts.scheme == "https" else "ws"
        api_key = quote(f"{self.user}:{self.password}", safe=":")
        query = f"app={quote(self.app)}&api_key={api_key}&subscribeAll=false"
        return urlunsplit((scheme, parts.netloc, parts.path + "/ari/events", query, ""))

    def session(self, call_id: str, phone: str) -> CallReport:
        """The whole call, from dialling to the report (blocking)."""
        with connect(self.events_url(), proxy=None, open_timeout=10) as ws, self._http() as http:
            try:
                self._rest(
                    http,
                    "POST",
                    "/ari/channels",
                    endpoint=self.endpoint.format(phone=phone),
                    app=self.app,
                    appArgs=call_id,
                    callerId=self.caller_id,
                    timeout=str(self.ring_timeout_s),
                    channelId=call_id,
                )
            except httpx2.HTTPError as exc:
                log.warning("ARI originate %s refused: %s", call_id, exc)
                return CallReport(call_id, "failed")
            deadline = time.monotonic() + self.ring_timeout_s + 10
            while True:
                event = self._next(ws, call_id, deadline - time.monotonic())
                if event is None:  # Asterisk said nothing in time: hang up what may be ringing
                    self._hang_up(http, call_id)
                    return CallReport(call_id, "no_answer")
                if event["type"] == "StasisStart":
                    break
                if event["type"] == "ChannelDestroyed":
                    return CallReport(call_id, status_of(event.get("cause")))
            keys: list[str] = []
            call = cs.Call()
            try:
                while not call.finished:
                    key = self._ask(ws, http, call_id, call.prompts())
                    keys.append(key)
                    call = call.press(key)
                self._ask(ws, http, call_id, call.prompts(), wait_key=False)
                self._hang_up(http, call_id)
            except _HungUp:
                pass
            return CallReport(call_id, "answered", "".join(keys))

    def _http(self) -> httpx2.Client:
        if self.client is not None:
            return _Borrowed(self.client)  # type: ignore[return-value]
        return httpx2.Client(
            base_url=self.url.rstrip("/"), auth=(self.user, self.password), timeout=10, trust_env=False
        )

    def _rest(self, http: httpx2.Client, method: str, path: str, **params: str) -> httpx2.Response:
        answer = http.request(method, path, params=params)
        answer.raise_for_status()
        return answer

    def _hang_up(self, http: httpx2.Client, call_id: str) -> None:
        with contextlib.suppress(httpx2.HTTPError):  # already gone
            http.request("DELETE", f"/ari/channels/{call_id}")

    def _next(self, ws: ClientConnection, call_id: str, timeout: float) -> dict[str, Any] | None:
        """The next event of this call (others on the application's socket are skipped), or None
        when ``timeout`` passes."""
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                raw = ws.recv(timeout=left)
            except TimeoutError:
                return None
            event = json.loads(raw)
            channel = (event.get("channel") or {}).get("id")
            target = (event.get("playback") or {}).get("target_uri")
            if channel == call_id or target == f"channel:{call_id}":
                return event  # type: ignore[no-any-return]

    def _ask(
        self,
        ws: ClientConnection,
        http: httpx2.Client,
        call_id: str,
        prompts: list[str],
        wait_key: bool = True,
    ) -> str:
        """Play the prompts one after the other; a key cuts them short and is the answer. Without
        a key, wait ``key_timeout_s`` after the last prompt (then TIMEOUT). Raises _HungUp."""
        for n, prompt in enumerate(prompts):
            playback = f"{call_id}-{int(time.monotonic() * 1000)}-{n}"
            self._rest(
                http,
                "POST",
                f"/ari/channels/{call_id}/play",
                media=f"sound:{SOUNDS[prompt]}",
                playbackId=playback,
            )
            while True:
                event = self._next(ws, call_id, 120)
                if event is None or event["type"] in _GONE:
                    raise _HungUp
                if event["type"] == "ChannelDtmfReceived" and wait_key:
                    with contextlib.suppress(httpx2.HTTPError):
                        http.request("DELETE", f"/ari/playbacks/{playback}")
                    return str(event["digit"])
                if event["type"] == "PlaybackFinished" and event["playback"]["id"] == playback:
                    break
        if not wait_key:
            return ""
        deadline = time.monotonic() + self.key_timeout_s
        while True:
            event = self._next(ws, call_id, deadline - time.monotonic())
            if event is None:
                return cs.TIMEOUT
            if event["type"] in _GONE:
                raise _HungUp
            if event["type"] == "ChannelDtmfReceived":
                return str(event["digit"])


class _Borrowed:
    """A client handed in (tests): used, not closed, by the call."""

    def __init__(self, client: httpx2.Client) -> None:
        self.client = client

    def __enter__(self) -> httpx2.Client:
        return self.client

    def __exit__(self, *exc: object) -> None:
        return None
