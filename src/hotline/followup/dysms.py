"""A real SMS gateway: Alibaba Cloud SMS (阿里云短信服务, Dysms) `SendSms`, signed with Alibaba Cloud's
RPC signature version 1.0 (HMAC-SHA1 over the sorted, percent-encoded query).

Dysms sends only approved templates, so the follow-up text is a template in the Dysms console (see
docs/follow-up.md for its wording) and the platform fills in its parameters: ``code`` (the tracking
code) and ``url`` (the portal page of the request, from HOTLINE_PUBLIC_URL). ``OutId`` carries the
platform's message id, so Dysms's receipts name it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote

import httpx2

log = logging.getLogger("hotline.followup.dysms")

ENDPOINT = "https://dysmsapi.aliyuncs.com/"


class SmsRefused(Exception):
    """Dysms answered, and not with ``Code: OK`` (e.g. isv.BUSINESS_LIMIT_CONTROL)."""


def percent_encode(value: str) -> str:
    """RFC 3986 encoding as Alibaba Cloud specifies it: unreserved characters kept, space as %20,
    ``*`` as %2A, ``~`` kept."""
    return quote(value, safe="-_.~")


def string_to_sign(params: Mapping[str, str], method: str = "GET") -> str:
    canonical = "&".join(
        f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()) if k != "Signature"
    )
    return f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"


def signature(params: Mapping[str, str], secret: str, method: str = "GET") -> str:
    """Base64 HMAC-SHA1 with the key ``secret + "&"`` over ``string_to_sign``."""
    digest = hmac.new((secret + "&").encode(), string_to_sign(params, method).encode(), hashlib.sha1)
    return base64.b64encode(digest.digest()).decode()


@dataclass
class DysmsGateway:
    """`SmsGateway` for Alibaba Cloud SMS. ``client`` is injectable (tests hand a mock transport)."""

    access_key_id: str
    access_key_secret: str
    sign_name: str
    template_code: str
    endpoint: str = ENDPOINT
    timeout_s: float = 10.0
    client: httpx2.Client | None = None
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    nonce: Callable[[], str] = field(default=lambda: str(uuid.uuid4()))

    def params(self, message_id: str, phone: str, values: Mapping[str, str]) -> dict[str, str]:
        params = {
            "AccessKeyId": self.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "OutId": message_id,
            "PhoneNumbers": phone,
            "RegionId": "cn-hangzhou",
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": self.nonce(),
            "SignatureVersion": "1.0",
            "TemplateCode": self.template_code,
            "TemplateParam": json.dumps(dict(values), ensure_ascii=False, separators=(",", ":")),
            "Timestamp": self.clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        params["Signature"] = signature(params, self.access_key_secret)
        return params

    def send(self, message_id: str, phone: str, text: str, values: Mapping[str, str] | None = None) -> None:
        """Send the template with ``values``; ``text`` (the simulator's whole message) is only
        logged. Raises on a refusal or a transport error: the caller logs it and an operator calls."""
        client = self.client or httpx2.Client(timeout=self.timeout_s)
        try:
            answer = client.get(self.endpoint, params=self.params(message_id, phone, values or {}))
            answer.raise_for_status()
            body = answer.json()
        finally:
            if self.client is None:
                client.close()
        if body.get("Code") != "OK":
            raise SmsRefused(f"{body.get('Code')}: {body.get('Message')}")
        log.info("Dysms sent %s (BizId %s)", message_id, body.get("BizId"))
