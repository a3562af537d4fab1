"""HTTPS GETs to SNS (signing certificates, subscription confirmations): short timeout, no redirects, bounded."""

from __future__ import annotations

import logging

import requests
import urllib3

from bot.alerts.sns import SnsUnavailable

log = logging.getLogger(__name__)

FETCH_TIMEOUT = (3.0, 5.0)  # connect, read: SNS waits about 15 s for our answer
MAX_RESPONSE = 256 * 1024


class SnsFetcher:
    """GETs an SNS address, trusting ``ca_bundle`` (a PEM file) or the system store when it is None."""

    def __init__(self, ca_bundle: str | None = None, timeout: tuple[float, float] = FETCH_TIMEOUT) -> None:
        self.verify: str | bool = ca_bundle or True
        self.timeout = timeout

    def get(self, url: str) -> bytes:
        """The body of a 200 answer; anything else is ``SnsUnavailable`` (the caller answers 5xx)."""
        try:
            with requests.get(
                url, timeout=self.timeout, verify=self.verify, allow_redirects=False, stream=True
            ) as response:
                if response.status_code != 200:
                    raise SnsUnavailable(f"GET {url} answered {response.status_code}")
                body = response.raw.read(MAX_RESPONSE + 1, decode_content=True)
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            log.warning("GET %s failed: %s", url, exc)
            raise SnsUnavailable(f"GET {url} failed: {type(exc).__name__}") from None
        if len(body) > MAX_RESPONSE:
            raise SnsUnavailable(f"GET {url} answered more than {MAX_RESPONSE} bytes")
        return bytes(body)
