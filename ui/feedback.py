"""Thumbs up/down on answers, kept as one JSON line per vote."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path

_locks: dict[Path, threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock_for(path: Path) -> threading.Lock:
    """One lock per file, shared by every `FeedbackLog` on it in this process."""
    with _locks_guard:
        return _locks.setdefault(path, threading.Lock())


class FeedbackLog:
    """Appends votes to a JSONL file; safe to call from the server's worker threads.

    >>> log = FeedbackLog("/tmp/corridor-demo/feedback.jsonl")                    # doctest: +SKIP
    >>> log.record(question="Who founded Osell?", answer="Feng Jianfeng ... [1]", citations=[], vote="up")  # doctest: +SKIP
    """

    def __init__(self, path: str | Path):
        self.path = Path(path).expanduser().resolve()
        self._lock = _lock_for(self.path)

    def record(self, *, question: str, answer: str, citations: list[dict], vote: str, abstained: bool = False) -> dict:
        if vote not in ("up", "down"):
            raise ValueError(f"vote must be 'up' or 'down'. Currently, vote is {vote!r}")
        entry = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "vote": vote,
            "question": question,
            "answer": answer,
            "abstained": abstained,
            "citations": citations,
        }
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        with self._lock:  # one whole line per write, never interleaved
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(line)
        return entry

    def read(self) -> list[dict]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line.strip()]
