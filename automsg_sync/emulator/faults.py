"""Fault injection for the emulator: random faults from a seeded RNG, scripted
one-shot faults, rate limits, and held requests (see ``routes/hooks.py`` for the JSON)."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter, deque
from typing import Any


class Faults:
    """Fault injection state; decisions drawn from a seeded RNG."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.set({})

    def set(self, spec: dict[str, Any]) -> None:
        with self.lock:
            self.spec = dict(spec)
            self.rng = random.Random(spec.get("seed"))
            self.script: deque[dict[str, Any]] = deque(dict(s) for s in spec.get("script", []))
            self.window: dict[str, list[float]] = {}
            self.holds: dict[str, threading.Event] = {}
            self.counts: Counter[str] = Counter()
            self.fired: list[dict[str, Any]] = []

    def count(self, kind: str, entry: dict[str, Any] | None = None) -> None:
        with self.lock:
            self.counts[kind] += 1
            if entry is not None:
                self.fired.append(entry)

    def report(self) -> dict[str, Any]:
        """What was injected so far, by kind, and the scripted UI edits that fired."""
        with self.lock:
            return {"spec": self.spec, "counts": dict(self.counts), "fired": list(self.fired)}

    def hold(self, name: str) -> threading.Event:
        with self.lock:
            return self.holds.setdefault(name, threading.Event())

    def scripted(self, method: str, path: str) -> dict[str, Any] | None:
        with self.lock:
            for entry in self.script:
                if entry.get("match", "") in path and entry.get("method", method) == method:
                    if int(entry.get("skip", 0)) > 0:
                        entry["skip"] = int(entry["skip"]) - 1
                        return None
                    entry["times"] = int(entry.get("times", 1)) - 1
                    if entry["times"] <= 0:
                        self.script.remove(entry)
                    return entry
        return None

    def draw(self) -> dict[str, Any]:
        """Random faults for one request: status, drop, latency."""
        with self.lock:
            s, r = self.spec, self.rng
            out: dict[str, Any] = {}
            if s.get("latencyMs") and r.random() < float(s.get("latencyProbability", 1.0)):
                out["latencyMs"] = s["latencyMs"]
            roll = r.random()
            p500, p503 = float(s.get("error500", 0)), float(s.get("error503", 0))
            if roll < p500:
                out["status"] = 500
            elif roll < p500 + p503:
                out["status"] = 503
            elif r.random() < float(s.get("drop", 0)):
                out["drop"] = True
            return out

    def rate_limited(self, account: str) -> float | None:
        """Retry-After seconds when the account is over its configured rate."""
        with self.lock:
            limit = self.spec.get("rateLimit")
            if not limit:
                return None
            now = time.monotonic()
            per = float(limit.get("perSeconds", 1))
            hits = [t for t in self.window.get(account, []) if now - t < per]
            if len(hits) >= int(limit.get("requests", 10)):
                self.window[account] = hits
                return float(limit.get("retryAfter", per))
            hits.append(now)
            self.window[account] = hits
            return None
