"""Which Automatic Messages API answers an account, and how each is read.

Which API (lp-api.md): ``api = "auto"`` (the default) uses Unified Automatic
Messages, LivePerson's current API, and falls back to the legacy ``auto-messages``
API when the account answers 404 for it; the first read decides, and the choice
holds for the reader's life (:attr:`ApiReader.flavour`).

- **Which API answers.** Under ``api = "auto"`` a 404 *or a 403* on the Unified
  read tries the legacy API: the privileges are separate per API ("Unified
  Automatic Messages API", "Automatic Messages API"); a 403 on both names the
  missing privileges in words.
- **Parameters.** The Unified API gets ``v=2.0`` and its documented parameters.
  The legacy API documents none; LivePerson's own sample sends ``v=1``, and so do
  we, with ``view``/``include_deleted``/``merge_data``/``context_*`` besides; a 400
  to those means "this reading is not supported": the read is made again with
  ``v`` alone (and every later call sends ``v`` alone, :attr:`ApiReader.bare_params`),
  so only the account level is read and written (contexts unproven), never a fatal
  error.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import requests

from ..errors import ApiError
from ..model import Context
from .auth import Connection

log = logging.getLogger("automsg_sync.automessages")  # one logger for the Automatic Messages APIs

API_VERSION = "2.0"  # the Unified pages: "2.0 is the current version"
LEGACY_VERSION = "1"  # the legacy pages show none; LivePerson's sample script sends ?v=1
PRIVILEGES = {
    "unified-auto-messages": "Unified Automatic Messages API",
    "auto-messages": "Automatic Messages API",
}
BASE = "/configuration/engagement-window"
UNIFIED = "unified-auto-messages"
LEGACY = "auto-messages"
AUTO = "auto"
APIS = (AUTO, UNIFIED, LEGACY)


class ApiReader:
    """The reads of one account's automatic messages: the API they go to (decided by
    the first one under ``"auto"``), their parameters, and the legacy API's refusal of
    its extra parameters. ``service`` is the domain the reads go to."""

    def __init__(self, conn: Connection, api: str, service: str, hint: str | None = None) -> None:
        if api not in APIS:
            raise ValueError(f"unknown Automatic Messages API {api!r}")
        self.conn = conn
        self.service = service
        self.candidates = (
            [api]
            if api != AUTO
            else ([hint, _other(hint)] if hint in (UNIFIED, LEGACY) else [UNIFIED, LEGACY])
        )
        self.flavour: str | None = api if api != AUTO else None  # None: no read has decided it yet
        self.bare_params = False  # the legacy API refused its extra parameters: v alone from then on

    def params(
        self, context: Context | None, *, include_deleted: bool = False, langs: Sequence[str] = ()
    ) -> dict[str, str]:
        """The query of a call: ``v`` for the API in use, and the rest unless the legacy
        API refused it (:attr:`bare_params`)."""
        params = {"v": LEGACY_VERSION if self.flavour == LEGACY else API_VERSION}
        if self.bare_params:
            return params
        if context is not None:
            params.update(context.query())
        if include_deleted:
            params["include_deleted"] = "true"
        if langs:
            params["lang"] = ",".join(langs)
        return params

    def get(self, path: str, params: dict[str, str], if_match: str | None) -> requests.Response:
        """A read (``If-Match: if_match``, a 304 answered as such); while the API is
        undecided, each candidate in turn until one answers."""
        headers = {"If-Match": if_match} if if_match else None
        if self.flavour:
            return self.read_params(self.flavour, path, params, headers, ok=(200, 304))
        answers: dict[str, int] = {}
        for flavour in self.candidates:
            # a 404 (the account lacks that API) or a 403 (the credentials lack its
            # privilege: separate per API) while the API is undecided is an answer, not a
            # failure, and the next API is tried
            ok = (200, 304, 404, 403) if len(self.candidates) > 1 else (200, 304, 404)
            if flavour == LEGACY:
                params = {**params, "v": LEGACY_VERSION}
            response = self.read_params(flavour, path, params, headers, ok=ok)
            if response.status_code not in (403, 404):
                self.flavour = flavour
                log.info("using the %s API", flavour)
                return response
            answers[flavour] = response.status_code
            log.info("the account answers %d for the %s API", response.status_code, flavour)
        forbidden = [PRIVILEGES[f] for f, status in answers.items() if status == 403]
        if forbidden:
            raise ApiError(
                f"account {self.conn.account_id}: the credentials lack the {' and the '.join(forbidden)} "
                "privilege (403); an administrator grants it to the API key or OAuth 2.0 application, "
                "or to the user's profile (docs/liveperson.md, Privileges)"
            )
        raise ApiError(
            f"account {self.conn.account_id}: no Automatic Messages API answers "
            f"({' and '.join(self.candidates)}: 404): is the account id right?"
        )

    def read_params(
        self,
        flavour: str,
        path: str,
        params: dict[str, str],
        headers: dict[str, str] | None,
        ok: tuple[int, ...],
    ) -> requests.Response:
        """A read; the legacy API answering 400 to its extra parameters is read again with
        ``v`` alone (see the module docstring), and keeps to that from then on."""
        extra = flavour == LEGACY and not self.bare_params and set(params) - {"v"}
        response = self.read(flavour, path, params, headers, ok=(*ok, 400) if extra else ok)
        if response.status_code != 400:
            return response
        log.warning(
            "the %s API refused the parameters %s (400): reading it with v alone, so only the account "
            "level is read and written",
            flavour,
            ", ".join(sorted(set(params) - {"v"})),
        )
        self.bare_params = True
        return self.read(flavour, path, {"v": params["v"]}, headers, ok=ok)

    def read(
        self,
        flavour: str,
        path: str,
        params: dict[str, str],
        headers: dict[str, str] | None,
        ok: tuple[int, ...],
    ) -> requests.Response:
        """One GET below ``flavour``'s path, answered with one of ``ok``."""
        url = f"{BASE}/{flavour}{path}"
        return self.conn.request(self.service, "GET", url, params=params, headers=headers, ok=ok)


def _other(flavour: str | None) -> str:
    return LEGACY if flavour == UNIFIED else UNIFIED
