"""Where feed requests may connect, and how long one may take: the network side of `fetcher`.

A feed is outside text that names URLs (item links, redirects), so it could make the
assistant fetch what only this machine can reach (server-side request forgery): a cloud
metadata service, a router's admin page, another local port. `AddressPolicy` decides per
address after DNS resolution: link-local and cloud-metadata addresses never; loopback and
private addresses only for a host the user named (a subscription, a URL given to ingest) or
listed in `feeds.allow_hosts`; public addresses always. `GuardedBackend` is an httpcore
network backend that resolves the name itself, checks every address and connects to the
address it checked (no second lookup a DNS rebind could answer differently); httpx asks it
again for every redirect hop.

It also makes `feeds.timeout` a wall-clock bound: a `deadline()` set around one request
(redirects included) caps every connect, read and write, so a server that sends its
headers a byte a second cannot hold a refresh past it.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200", "168.63.129.16")
)
"""Cloud metadata services (AWS, GCP, Azure, OpenStack; AWS over IPv6; Alibaba; Azure's
wire server): never fetched, whatever the configuration says."""
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class RefusedAddress(httpcore.ConnectError):
    """The policy forbids every address a host resolved to; the message says why."""


def plain_address(ip: IPAddress) -> IPAddress:
    """The IPv4 address inside an IPv4-mapped or NAT64 IPv6 address, else `ip`."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip in _NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


def never_fetched(ip: IPAddress) -> bool:
    """Link-local (169.254.0.0/16, fe80::/10) and cloud-metadata addresses."""
    ip = plain_address(ip)
    return ip.is_link_local or ip in METADATA


@dataclass(frozen=True)
class AddressPolicy:
    """Which addresses requests may connect to; see the module docstring."""

    named: frozenset[tuple[str, int]] = frozenset()
    """(host, port) of the URLs the user gave: their private addresses are allowed."""
    allow_hosts: tuple[str, ...] = ()
    """`feeds.allow_hosts`: host names, IP addresses or networks, private ones allowed."""
    _networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = field(
        init=False, default=()
    )

    def __post_init__(self) -> None:
        networks = []
        for entry in self.allow_hosts:
            try:
                networks.append(ipaddress.ip_network(entry.strip(), strict=False))
            except ValueError:
                continue  # a host name
        object.__setattr__(self, "_networks", tuple(networks))

    def refusal(self, host: str, port: int, ip: IPAddress) -> str | None:
        """Why connecting to `host`:`port` at `ip` is refused, or None when it is allowed."""
        plain = plain_address(ip)
        shown = host if host == str(plain) else f"{host} ({plain})"
        if never_fetched(plain):
            return f"{shown} is a link-local or cloud metadata address (never fetched)"
        if plain.is_global:
            return None
        name = host.lower().rstrip(".")
        if (name, port) in self.named or name in {h.strip().lower() for h in self.allow_hosts}:
            return None
        if any(plain in net for net in self._networks if net.version == plain.version):
            return None
        return (
            f"{shown} is a private or loopback address that was not subscribed to "
            "(list it in feeds.allow_hosts to allow it)"
        )


def refusal_for_url(host: str, port: int) -> str | None:
    """Why a URL naming `host` can never be fetched (its addresses are all link-local or
    cloud metadata), or None; a name that does not resolve now is left for the fetch."""
    try:
        addresses = _resolve(host, port)
    except OSError:
        return None
    refusals = [
        AddressPolicy(frozenset({(host.lower(), port)})).refusal(host, port, ip) for ip in addresses
    ]
    return refusals[0] if refusals and all(refusals) else None


def _resolve(host: str, port: int) -> list[IPAddress]:
    """The addresses of `host` (an address itself needs no lookup)."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))


# -- deadlines -----------------------------------------------------------------------------
_LOCAL = threading.local()


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Every connect, read and write of this thread's requests ends within `seconds`."""
    previous = getattr(_LOCAL, "deadline", None)
    _LOCAL.deadline = time.monotonic() + seconds
    try:
        yield
    finally:
        _LOCAL.deadline = previous


def _bounded(timeout: float | None, error: type[Exception]) -> float | None:
    """`timeout` cut to what is left of this thread's deadline; `error` when none is."""
    end: float | None = getattr(_LOCAL, "deadline", None)
    if end is None:
        return timeout
    left = end - time.monotonic()
    if left <= 0:
        raise error("the request's time is up")
    return left if timeout is None else min(timeout, left)


class _BoundedStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        return _BoundedStream(self._inner.start_tls(ssl_context, server_hostname, bounded))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    """Resolve, check against `policy`, connect to the checked address, within the deadline."""

    def __init__(self, policy: AddressPolicy) -> None:
        self.policy = policy
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = _resolve(host, port)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host} ({exc.strerror or exc})") from None
        allowed = []
        refusals = []
        for ip in addresses:
            reason = self.policy.refusal(host, port, ip)
            if reason is None:
                allowed.append(ip)
            else:
                refusals.append(reason)
        if not allowed:
            raise RefusedAddress(f"refused: {refusals[0]}")
        failure: Exception | None = None
        for ip in allowed:  # the addresses just checked, not a second lookup of the name
            try:
                stream = self._inner.connect_tcp(
                    str(ip),
                    port,
                    timeout=_bounded(timeout, httpcore.ConnectTimeout),
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
                continue
            return _BoundedStream(stream)
        assert failure is not None
        raise failure

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise RefusedAddress("refused: feeds are fetched over TCP only")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class GuardedTransport(httpx.HTTPTransport):
    """httpx's own transport over a connection pool that connects through `GuardedBackend`
    (httpx has no public switch for the network backend, so the pool is replaced)."""

    def __init__(self, policy: AddressPolicy, *, max_connections: int) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=max_connections,
            network_backend=GuardedBackend(policy),
        )
