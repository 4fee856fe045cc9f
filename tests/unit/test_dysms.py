"""The Alibaba Cloud SMS adapter: its signature reproduces the documented example, and a send is one
signed GET whose answer is checked."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

import httpx2
import pytest

from hotline.followup import dysms

# The worked example of Dysms's signature documentation (help.aliyun.com/document_detail/56189).
DOC_PARAMS = {
    "AccessKeyId": "testId",
    "Action": "SendSms",
    "Format": "XML",
    "OutId": "123",
    "PhoneNumbers": "15300000001",
    "RegionId": "cn-hangzhou",
    "SignName": "阿里云短信测试专用",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
    "SignatureVersion": "1.0",
    "TemplateCode": "SMS_71390007",
    "TemplateParam": '{"customer":"test"}',
    "Timestamp": "2017-07-12T02:42:19Z",
    "Version": "2017-05-25",
}


def test_the_signature_of_the_documented_example() -> None:
    assert dysms.string_to_sign(DOC_PARAMS).startswith(
        "GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML%26OutId%3D123"
    )
    assert dysms.signature(DOC_PARAMS, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    assert dysms.signature({**DOC_PARAMS, "Signature": "x"}, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_percent_encoding_follows_alibaba_cloud() -> None:
    assert dysms.percent_encode("a b*~") == "a%20b%2A~"
    assert dysms.percent_encode("/=&+") == "%2F%3D%26%2B"


def _gateway(handler: object) -> dysms.DysmsGateway:
    return dysms.DysmsGateway(
        access_key_id="testId",
        access_key_secret="testSecret",
        sign_name="某市12345",
        template_code="SMS_123",
        client=httpx2.Client(transport=httpx2.MockTransport(handler)),  # type: ignore[arg-type]
        clock=lambda: datetime(2026, 12, 3, 2, 0, tzinfo=UTC),
        nonce=lambda: "nonce-1",
    )


def test_a_send_is_one_signed_request_with_the_template_values() -> None:
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(200, json={"Code": "OK", "Message": "OK", "BizId": "9"})

    gw = _gateway(handler)
    gw.send("fu1-ab", "13812345678", "…", {"code": "HK1234", "url": "https://x/portal/r/HK1234"})
    params = dict(parse_qsl(urlsplit(str(seen[0].url)).query))
    assert params["OutId"] == "fu1-ab" and params["PhoneNumbers"] == "13812345678"
    assert json.loads(params["TemplateParam"]) == {"code": "HK1234", "url": "https://x/portal/r/HK1234"}
    assert params["Timestamp"] == "2026-12-03T02:00:00Z"
    assert params["Signature"] == dysms.signature(params, "testSecret")


def test_a_refusal_raises() -> None:
    gw = _gateway(
        lambda r: httpx2.Response(200, json={"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发流控"})
    )
    with pytest.raises(dysms.SmsRefused, match="BUSINESS_LIMIT_CONTROL"):
        gw.send("fu1", "13812345678", "…", {})
    broken = _gateway(lambda r: httpx2.Response(500))
    with pytest.raises(httpx2.HTTPStatusError):
        broken.send("fu1", "13812345678", "…", {})


def test_the_settings_choose_dysms() -> None:
    from hotline.config import Settings
    from hotline.followup.service import Policy

    settings = Settings(
        followup_sms="dysms",
        followup_dysms_access_key_id="id",
        followup_dysms_access_key_secret="secret",
        followup_dysms_sign_name="某市12345",
        followup_dysms_template_code="SMS_1",
    )
    policy = Policy.of(settings, deadlines=None)  # type: ignore[arg-type]
    assert isinstance(policy.sms, dysms.DysmsGateway) and policy.sms.template_code == "SMS_1"
    with pytest.raises(ValueError, match="DYSMS"):
        Policy.of(Settings(followup_sms="dysms"), deadlines=None)  # type: ignore[arg-type]
