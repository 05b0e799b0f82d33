"""Domain API (CSDS): which host serves which service for an account.

One all-services lookup per account per run, cached on the instance. The
service base URIs are used with the CSDS URL's scheme. A base URI is normally
a bare host (``va-a.ac.liveperson.net``); a host with a path prefix (as the
emulator serves, ``127.0.0.1:8080/rw``) is used the same way.
"""

from __future__ import annotations

from typing import Protocol
from urllib.parse import urlsplit

from ..config import DEFAULT_CSDS_URL
from ..errors import HTML_PAGE, ApiError, ApiStatusError
from ..urls import check_transport
from .http import HttpClient

READ_ONLY = "accountConfigReadOnly"
READ_WRITE = "accountConfigReadWrite"
LOGIN = "agentVep"
SENTINEL = "sentinel"
IDP = "idp"
MESSAGING = "asyncMessagingEnt"


class DomainStore(Protocol):
    """Somewhere to keep the Domain API's answer between runs."""

    def load(self, account: str, csds_url: str) -> dict[str, str] | None: ...

    def save(self, account: str, csds_url: str, services: dict[str, str]) -> None: ...


class Domains:
    """Base URLs of an account's services, from one CSDS call (or a ``store``)."""

    def __init__(
        self, http: HttpClient, csds_url: str, account_id: str, store: DomainStore | None = None
    ) -> None:
        check_transport(csds_url, f"the CSDS URL {csds_url}")
        self.http = http
        self.csds_url = csds_url.rstrip("/")
        self.scheme = urlsplit(self.csds_url).scheme
        self.account_id = account_id
        self.store = store
        self._cache: dict[str, str] | None = store.load(account_id, self.csds_url) if store else None

    def base_url(self, service: str) -> str:
        """``scheme://baseURI`` for a service name (case-sensitive, as LivePerson's)."""
        if self._cache is None:
            self._cache = self._lookup()
        try:
            base = self._cache[service]
        except KeyError:
            raise ApiError(
                f"the Domain API lists no {service!r} service for account {self.account_id}"
            ) from None
        url = f"{self.scheme}://{base.rstrip('/')}"
        check_transport(url)
        return url

    def url(self, service: str, path: str) -> str:
        return self.base_url(service) + path

    def _lookup(self) -> dict[str, str]:
        url = f"{self.csds_url}/api/account/{self.account_id}/service/baseURI.json"
        try:
            response = self.http.request("GET", url, params={"version": "1.0"})
        except ApiStatusError as exc:
            if exc.status in (400, 401, 404):
                raise self._refused(exc) from None
            raise
        try:
            body = response.json()
            services = {item["service"]: item["baseURI"] for item in body["baseURIs"]}
        except (ValueError, KeyError, TypeError):
            raise ApiError(
                f"{self.csds_url} is not LivePerson's Domain API: GET {url} answered something else "
                f"than its list of services{self._did_you_mean()}"
            ) from None
        if not services:
            raise ApiError(
                f"the Domain API at {self.csds_url} lists no services for account {self.account_id}: "
                "check the account id (--account or AUTOMSG_ACCOUNT)"
            )
        if self.store is not None:
            self.store.save(self.account_id, self.csds_url, services)
        return services

    def _refused(self, exc: ApiStatusError) -> ApiError:
        """The lookup refused, in words. A page that is not an API's answer (or a bare 404)
        means the URL is not the Domain API. An API's 400, 401 or 404 means it does not
        know the account: the Domain API page (APIGuidelines/domain-api.md) documents 400
        "Problem with body or query parameters" and 401 "Bad Authentication (invalid site
        or agent)" — a site is an account, and the lookup sends no credentials — and no
        404, which other servers (the emulator) answer for an unknown account."""
        page = exc.detail.startswith(HTML_PAGE)
        if page or (exc.status == 404 and not exc.detail):
            return ApiError(
                f"{self.csds_url} is not LivePerson's Domain API (GET …/service/baseURI.json "
                f"answered {exc.status}{': ' + exc.detail if exc.detail else ''}){self._did_you_mean()}"
            )
        said = f": {exc.detail}" if exc.detail else ""
        return ApiError(
            f"LivePerson's Domain API at {self.csds_url} does not know account {self.account_id} "
            f"({exc.status}{said}): check the account id (--account or AUTOMSG_ACCOUNT)"
        )

    def _did_you_mean(self) -> str:
        if self.csds_url == DEFAULT_CSDS_URL:
            return ""
        return f" — did you mean {DEFAULT_CSDS_URL}? (--csds-url or AUTOMSG_CSDS_URL; unset for the default)"
