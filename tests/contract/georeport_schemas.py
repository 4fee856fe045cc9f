"""JSON schemas of GeoReport v2's JSON documents, written from the spec (wiki.open311.org/GeoReport_v2).

Stricter than the spec's prose where it is explicit: ids and codes are strings, booleans are real
booleans, lat/long and attribute order are numbers, every datetime carries its zone offset.
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

DATETIME = {
    "type": "string",
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$",
}
URL = {"type": "string", "pattern": r"^https?://\S+$"}
TEXT_OR_NULL = {"type": ["string", "null"]}

ERRORS = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "additionalProperties": False,
        "properties": {
            "code": {"type": "integer", "minimum": 400, "maximum": 599},
            "description": {"type": "string", "minLength": 1},
        },
    },
}

SERVICE = {
    "type": "object",
    "required": ["service_code", "service_name", "metadata", "type"],
    "additionalProperties": False,
    "properties": {
        "service_code": {"type": "string", "minLength": 1},
        "service_name": {"type": "string", "minLength": 1},
        "description": TEXT_OR_NULL,
        "metadata": {"type": "boolean"},
        "type": {"enum": ["realtime", "batch", "blackbox"]},
        "keywords": TEXT_OR_NULL,
        "group": TEXT_OR_NULL,
    },
}
SERVICES = {"type": "array", "items": SERVICE}

ATTRIBUTE = {
    "type": "object",
    "required": ["variable", "code", "datatype", "required", "order", "description"],
    "additionalProperties": False,
    "properties": {
        "variable": {"type": "boolean"},
        "code": {"type": "string", "minLength": 1},
        "datatype": {"enum": ["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]},
        "required": {"type": "boolean"},
        "datatype_description": TEXT_OR_NULL,
        "order": {"type": "integer", "minimum": 1},
        "description": {"type": "string"},
        "values": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["key", "name"],
                "additionalProperties": False,
                "properties": {"key": {"type": "string"}, "name": {"type": "string"}},
            },
        },
    },
    # list attributes carry their values; the others carry none
    "if": {"properties": {"datatype": {"enum": ["singlevaluelist", "multivaluelist"]}}},
    "then": {"required": ["values"], "properties": {"values": {"minItems": 1}}},
    "else": {"not": {"required": ["values"]}},
}
SERVICE_DEFINITION = {
    "type": "object",
    "required": ["service_code", "attributes"],
    "additionalProperties": False,
    "properties": {
        "service_code": {"type": "string", "minLength": 1},
        "attributes": {"type": "array", "items": ATTRIBUTE},
    },
}

NOTE = {
    "type": "object",
    "required": ["datetime", "status", "description"],
    "properties": {
        "datetime": DATETIME,
        "status": {"enum": ["open", "closed"]},
        "detailed_status": {"type": "string"},
        "description": {"type": "string"},
    },
}
EXTENDED = {
    "type": "object",
    "required": ["detailed_status", "attributes", "notes"],
    "additionalProperties": False,
    "properties": {
        "detailed_status": {"type": "string"},
        "attributes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["code", "value"],
                "additionalProperties": False,
                "properties": {
                    "code": {"type": "string"},
                    "value": {
                        "anyOf": [
                            {"type": "string"},
                            {"type": "number"},
                            {"type": "array", "items": {"type": "string"}},
                        ]
                    },
                },
            },
        },
        "notes": {"type": "array", "items": NOTE},
    },
}
REQUEST = {
    "type": "object",
    "required": ["service_request_id", "status", "service_code", "requested_datetime"],
    "additionalProperties": False,
    "properties": {
        "service_request_id": {"type": "string", "minLength": 1},
        "status": {"enum": ["open", "closed"]},
        "status_notes": TEXT_OR_NULL,
        "service_name": TEXT_OR_NULL,
        "service_code": {"type": "string", "minLength": 1},
        "description": {"type": ["string", "null"], "maxLength": 4000},
        "agency_responsible": TEXT_OR_NULL,
        "service_notice": TEXT_OR_NULL,
        "requested_datetime": DATETIME,
        "updated_datetime": {"anyOf": [DATETIME, {"type": "null"}]},
        "expected_datetime": DATETIME,
        "address": TEXT_OR_NULL,
        "address_id": TEXT_OR_NULL,
        "zipcode": TEXT_OR_NULL,
        "lat": {"type": ["number", "null"], "minimum": -90, "maximum": 90},
        "long": {"type": ["number", "null"], "minimum": -180, "maximum": 180},
        "media_url": {"anyOf": [URL, {"type": "null"}]},
        "extended_attributes": EXTENDED,
    },
}
REQUESTS = {"type": "array", "items": REQUEST}

CREATED = {
    "type": "array",
    "minItems": 1,
    "maxItems": 1,
    "items": {
        "type": "object",
        "required": ["service_request_id"],
        "additionalProperties": False,
        "properties": {
            "service_request_id": {"type": "string", "pattern": r"^\d+$"},
            "token": {"type": "string", "minLength": 1},
            "service_notice": TEXT_OR_NULL,
            "account_id": TEXT_OR_NULL,
        },
    },
}

TOKEN = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["service_request_id", "token"],
        "additionalProperties": False,
        "properties": {"service_request_id": {"type": "string"}, "token": {"type": "string"}},
    },
}

DISCOVERY = {
    "type": "object",
    "required": ["changeset", "contact", "key_service", "endpoints"],
    "additionalProperties": False,
    "properties": {
        "changeset": DATETIME,
        "contact": {"type": "string"},
        "key_service": {"type": "string"},
        "endpoints": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["specification", "url", "changeset", "type", "formats"],
                "additionalProperties": False,
                "properties": {
                    "specification": URL,
                    "url": URL,
                    "changeset": DATETIME,
                    "type": {"enum": ["production", "test"]},
                    "formats": {
                        "type": "array",
                        "minItems": 1,
                        "items": {"enum": ["text/xml", "application/json"]},
                    },
                },
            },
        },
    },
}


def check(schema: dict[str, Any], document: Any) -> None:
    """Fail with every violation listed (not only the first)."""
    validator = Draft202012Validator(schema)
    problems = [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in validator.iter_errors(document)
    ]
    assert not problems, "\n".join(problems)


for _schema in (ERRORS, SERVICES, SERVICE_DEFINITION, REQUESTS, CREATED, TOKEN, DISCOVERY):
    Draft202012Validator.check_schema(_schema)
