"""The emulator's own assembly (``emulator/app.py``): its blueprints find their app's
state, never another's — tests run many emulators in one process at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests
from conftest import ACCOUNT, USER, sample_data

from automsg_sync.emulator import EmulatorServer, Store


def _login(url: str) -> int:
    body = {"username": USER["AUTOMSG_USERNAME"], "password": USER["AUTOMSG_PASSWORD"]}
    return requests.post(f"{url}/vep/api/account/{ACCOUNT}/login", json=body, timeout=10).status_code


def test_two_emulators_in_one_process_keep_their_own_state() -> None:
    with (
        EmulatorServer(Store(sample_data())) as first,
        EmulatorServer(Store(sample_data())) as second,
    ):
        spec = {"script": [{"match": "login", "status": 503}]}
        requests.put(f"{first.url}/_emulator/faults", json=spec, timeout=10).raise_for_status()
        with ThreadPoolExecutor(2) as pool:
            statuses = list(pool.map(_login, [first.url, second.url]))
        assert statuses == [503, 200]
        assert requests.get(f"{first.url}/_emulator/sessions", timeout=10).json() == {}
        assert list(requests.get(f"{second.url}/_emulator/sessions", timeout=10).json()) == [ACCOUNT]
        logged = [requests.get(f"{e.url}/_emulator/requests", timeout=10).json() for e in (first, second)]
        assert [[r["status"] for r in log] for log in logged] == [[503], [200]]
        assert requests.get(f"{second.url}/_emulator/faults", timeout=10).json()["spec"] == {}
