"""Where webhooks may be sent: public addresses, and private ranges an administrator listed.

A subscription's URL is an administrator's input, but a platform that POSTs wherever it is told can
be turned against its own network (the database on 127.0.0.1:5432, a cloud's metadata service on
169.254.169.254). So every address the host name resolves to must be public, or fall inside
`HOTLINE_WEBHOOK_ALLOWED_NETWORKS` (a department's system is often on the intranet). The check runs
when a URL is saved and again before every delivery, because DNS can change in between.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence
from urllib.parse import urlsplit

from hotline.config import Network, parse_networks

__all__ = ["Network", "parse_networks", "refusal"]


def refusal(url: str, allowed: Sequence[Network]) -> str | None:
    """Why a webhook may not be sent to `url` (None: it may). Resolves the host name."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "not an http(s) URL"
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError, UnicodeError) as exc:
        return f"host name does not resolve ({exc})"[:200]
    for *_, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if any(address in network for network in allowed):
            continue
        if not address.is_global or address.is_multicast:
            return f"{address} is not a public address (loopback, private, link-local or reserved)"
    return None
