"""Who is calling: the client's IP address, through trusted reverse proxies only.

`X-Forwarded-For` is whatever the client wrote unless a proxy of ours rewrote it, so it is
believed only when the direct peer is one of `MOPH_CONNECT_TRUSTED_PROXIES`, and then read
from the right: the first address that is not one of our proxies is the client.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(text: str) -> list[IPNetwork]:
    """CIDRs separated by commas or spaces ("10.0.0.0/8, 192.0.2.7"); ValueError if bad."""
    networks: list[IPNetwork] = []
    for item in text.replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"{item!r} is not an IP network (CIDR) or address") from None
    return networks


def _address(text: str) -> IPAddress | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "192.0.2.1:443"
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address: IPAddress, proxies: Sequence[IPNetwork]) -> bool:
    return any(address in network for network in proxies)


def client_address(
    peer: str | None, forwarded_for: str | None, proxies: Sequence[IPNetwork]
) -> IPAddress | None:
    """The calling client's address: `peer` (the socket's), unless that is a trusted
    proxy; then the right-most address of `X-Forwarded-For` that is not."""
    direct = _address(peer) if peer else None
    if direct is None or not forwarded_for or not _trusted(direct, proxies):
        return direct
    client = direct
    for item in reversed(forwarded_for.split(",")):
        hop = _address(item)
        if hop is None:  # garbage further left was written by someone we cannot vouch for
            break
        client = hop
        if not _trusted(hop, proxies):
            break
    return client


def within(address: IPAddress | None, networks: Sequence[IPNetwork]) -> bool:
    return address is not None and any(address in network for network in networks)
