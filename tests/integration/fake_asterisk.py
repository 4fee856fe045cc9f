"""A stand-in for Asterisk's ARI, replaying the documented protocol (Asterisk isn't packaged
for this machine's Debian, so we can't test against a real server). Events go over a
real WebSocket (``/ari/events``); the REST calls come through an httpx2 MockTransport. The messages
follow the ARI reference (asterisk.org, "Asterisk REST Interface": Channels, Playbacks, Events):
``StasisStart``, ``PlaybackStarted``/``PlaybackFinished``, ``ChannelDtmfReceived``,
``ChannelHangupRequest``, ``StasisEnd``, ``ChannelDestroyed`` with its Q.850 cause.

A ``Citizen`` says how the callee behaves: pick up or not (the cause), and the key pressed after
each question ("_" none, "hangup" hangs up)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2
from websockets.sync.server import Server, ServerConnection, serve

APP = "hotline-followup"


@dataclass
class Citizen:
    answers: bool = True
    cause: int = 19  # when not answering: 19 no answer, 17 busy, 1 unallocated number
    keys: list[str] = field(default_factory=list)


def _channel(cid: str, phone: str, state: str) -> dict[str, Any]:
    return {
        "id": cid,
        "name": f"PJSIP/carrier-{cid[-8:]}",
        "state": state,
        "protocol_id": "",
        "caller": {"name": "", "number": "12345"},
        "connected": {"name": "", "number": phone},
        "accountcode": "",
        "dialplan": {"context": "hotline-followup", "exten": "s", "priority": 1, "app_name": "Stasis"},
        "creationtime": "2026-12-03T10:00:00.000+0800",
        "language": "zh",
    }


class FakeAsterisk:
    def __init__(self) -> None:
        self.sockets: list[ServerConnection] = []
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.citizens: dict[str, Citizen] = {}
        self.played: list[str] = []
        self.auth_seen: list[str] = []
        self._phone: dict[str, str] = {}
        self._connected = threading.Condition()
        self._server: Server | None = None

    # --- the events socket ------------------------------------------------------------------------

    def _handler(self, ws: ServerConnection) -> None:
        query = parse_qs(urlsplit(ws.request.path).query) if ws.request else {}
        self.auth_seen.append(query.get("api_key", [""])[0])
        if query.get("app") != [APP]:
            ws.close(1008, "unknown application")
            return
        with self._connected:
            self.sockets.append(ws)
            self._connected.notify_all()
        try:
            for _ in ws:  # clients send nothing; keep the socket until they close it
                pass
        finally:
            with self._connected:
                self.sockets.remove(ws)

    def start(self) -> str:
        self._server = serve(self._handler, "127.0.0.1", 0)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        host, port = self._server.socket.getsockname()[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()

    def push(self, event: dict[str, Any]) -> None:
        event = {"timestamp": "2026-12-03T10:00:01.000+0800", "application": APP, **event}
        with self._connected:
            self._connected.wait_for(lambda: self.sockets, timeout=5)
            for ws in list(self.sockets):
                ws.send(json.dumps(event))

    # --- REST ---------------------------------------------------------------------------------------

    def transport(self) -> httpx2.MockTransport:
        return httpx2.MockTransport(self._rest)

    def _rest(self, request: httpx2.Request) -> httpx2.Response:
        params = dict(request.url.params)
        path = request.url.path
        self.requests.append((request.method, path, params))
        if request.method == "POST" and path == "/ari/channels":
            return self._originate(params)
        if request.method == "POST" and path.endswith("/play"):
            return self._play(path.split("/")[3], params)
        if request.method == "DELETE" and path.startswith("/ari/channels/"):
            cid = path.split("/")[3]
            self._gone(cid, 16)
            return httpx2.Response(204)
        if request.method == "DELETE" and path.startswith("/ari/playbacks/"):
            return httpx2.Response(204)
        return httpx2.Response(404, json={"message": "Resource not found"})

    def _originate(self, params: dict[str, str]) -> httpx2.Response:
        cid, phone = params["channelId"], params["endpoint"].split("/")[1].split("@")[0]
        self._phone[cid] = phone
        citizen = self.citizens.get(phone)
        if citizen is None:
            return httpx2.Response(400, json={"message": "Endpoint not found"})
        body = _channel(cid, phone, "Down")
        if citizen.answers:
            self.push(
                {"type": "StasisStart", "args": [params["appArgs"]], "channel": _channel(cid, phone, "Up")}
            )
        else:
            self.push({"type": "ChannelDestroyed", "cause": citizen.cause, "cause_txt": "", "channel": body})
        return httpx2.Response(200, json=body)

    def _play(self, cid: str, params: dict[str, str]) -> httpx2.Response:
        media, pid = params["media"], params["playbackId"]
        self.played.append(media)
        channel = _channel(cid, self._phone[cid], "Up")
        playback = {"id": pid, "media_uri": media, "target_uri": f"channel:{cid}", "language": "zh"}
        self.push({"type": "PlaybackStarted", "playback": {**playback, "state": "playing"}})
        self.push({"type": "PlaybackFinished", "playback": {**playback, "state": "done"}})
        citizen = self.citizens[self._phone[cid]]
        if media.startswith("sound:hotline/q-") and citizen.keys:
            key = citizen.keys.pop(0)
            if key == "hangup":
                self.push({"type": "ChannelHangupRequest", "cause": 16, "channel": channel})
                self._gone(cid, 16)
            elif key != "_":
                self.push(
                    {"type": "ChannelDtmfReceived", "digit": key, "duration_ms": 120, "channel": channel}
                )
        return httpx2.Response(201, json={**playback, "state": "queued"})

    def _gone(self, cid: str, cause: int) -> None:
        channel = _channel(cid, self._phone.get(cid, ""), "Up")
        self.push({"type": "StasisEnd", "channel": channel})
        self.push(
            {"type": "ChannelDestroyed", "cause": cause, "cause_txt": "Normal Clearing", "channel": channel}
        )


def running() -> Iterator[tuple[FakeAsterisk, str]]:
    fake = FakeAsterisk()
    url = fake.start()
    try:
        yield fake, url
    finally:
        fake.stop()
