"""Which URLs the tool will talk to: https anywhere, plain http only to a loopback host.

Its own module so that the configuration (which checks ``csds_url``) and ``lp``
(which checks every service URL the Domain API hands out) can both import it
without importing each other.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from .errors import ConfigError


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and addresses in 127.0.0.0/8 or ``::1``."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_transport(url: str, name: str | None = None) -> None:
    """Refuse anything but https, except plain http to a loopback host.

    ``name`` is what the message calls the URL (``"--csds-url 127.0.0.1:8080"``).
    """
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and is_loopback(parts.hostname or ""):
        return
    if "://" not in url:
        raise ConfigError(f"{name or url} has no scheme: {suggest_scheme(url)}")
    if parts.scheme in ("http", "https") and not parts.hostname:
        raise ConfigError(f"{name or url} has no host")
    raise ConfigError(
        (f"{name}: " if name else "")
        + f"refusing {parts.scheme or 'no'}-scheme URL to {parts.hostname or url!r}: "
        "only https is allowed, plain http only to a loopback host"
    )


def suggest_scheme(address: str) -> str:
    """What to write instead of a scheme-less ``host[:port][/path]``.

    >>> suggest_scheme("127.0.0.1:8080")
    'write http://127.0.0.1:8080 (loopback emulator) or https://127.0.0.1:8080'
    >>> suggest_scheme("api.liveperson.net")
    'write https://api.liveperson.net (plain http is only for a loopback emulator)'
    """
    host = urlsplit(f"//{address}").hostname or ""
    if is_loopback(host):
        return f"write http://{address} (loopback emulator) or https://{address}"
    return f"write https://{address} (plain http is only for a loopback emulator)"
