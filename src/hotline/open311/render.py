"""GeoReport v2's two formats from one Python value: JSON as the spec maps it, and XML.

JSON: lists are top-level arrays, a service definition or the discovery document is one object,
booleans and numbers stay booleans and numbers. XML: a declaration first, one element per key,
a list becomes a wrapper element with one child per item (`services` → `service`, …); booleans are
`true`/`false` and an unknown value is an empty element. Both are UTF-8.

Every XML document is well-formed whatever the stored text holds: a character XML 1.0 cannot carry
(a control character kept from before intake refused them, a NUL echoed from a bad path) becomes
U+FFFD in the XML; JSON escapes such characters itself.
"""

from __future__ import annotations

import json
import re
from typing import Any
from xml.etree import ElementTree as ET

from fastapi.responses import Response

FORMATS = ("xml", "json")
MEDIA_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

# Wrapper element -> the element of each item, as the spec names them.
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "notes": "note",
}

# What XML 1.0 allows in text (its `Char` production); everything else is replaced.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("\ufffd", str(value))


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            if isinstance(child, list) and key not in ITEM_TAGS:
                # A list under an ordinary name repeats the element: <value>a</value><value>b</value>
                for item in child:
                    _fill(ET.SubElement(element, key), item)
            else:
                _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list):
        tag = ITEM_TAGS.get(element.tag, "item")
        for item in value:
            _fill(ET.SubElement(element, tag), item)
    else:
        element.text = _text(value)


def to_xml(root: str, value: Any) -> str:
    element = ET.Element(root)
    _fill(element, value)
    return XML_DECLARATION + ET.tostring(element, encoding="unicode")


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def respond(fmt: str, root: str, value: Any, status: int = 200) -> Response:
    """`root` names the XML document element (`services`, `service_requests`, …)."""
    body = to_json(value) if fmt == "json" else to_xml(root, value)
    return Response(body.encode("utf-8", "replace"), status_code=status, media_type=MEDIA_TYPES[fmt])


def errors(fmt: str, status: int, descriptions: list[str]) -> Response:
    """The spec's error document: `[{code, description}]`, code being the HTTP status (a number)."""
    return respond(fmt, "errors", [{"code": status, "description": d} for d in descriptions], status)
