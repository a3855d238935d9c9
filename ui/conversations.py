"""Saved conversations: one JSON file each, in `<data dir>/conversations/<user>/`.

People come back to a chat: it must survive a reload and a server restart. Each signed-in user
has their own folder (named by a hash of the user name, so no name reaches a path); without
sign-in there is one shared list. Writes are atomic (temp file + rename), so a crash never leaves
half a conversation. A conversation holds its turns as plain data (question, answer dict, error)
and is rendered again when loaded.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path

from ui.render import citation_line, unmark

SHARED = "_shared"
MAX_TITLE = 80
_ID = re.compile(r"^[0-9a-f]{16}$")
_lock = threading.Lock()


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_conversation(title: str = "") -> dict:
    return {"id": secrets.token_hex(8), "title": title, "created": now(), "updated": now(), "turns": []}


def title_for(question: str) -> str:
    """A conversation is named after its first question until renamed."""
    text = " ".join(question.split())
    return text if len(text) <= MAX_TITLE else text[: MAX_TITLE - 1].rstrip() + "…"


class ConversationStore:
    """List, load, save, rename and delete conversations of one data dir."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def folder(self, user: str | None) -> Path:
        name = SHARED if not user else "u-" + hashlib.sha256(user.encode("utf-8")).hexdigest()[:20]
        return self.root / name

    def _path(self, user: str | None, conv_id: str) -> Path:
        if not isinstance(conv_id, str) or not _ID.match(conv_id):
            raise KeyError(conv_id)
        return self.folder(user) / f"{conv_id}.json"

    def list(self, user: str | None) -> list[dict]:
        """id, title, updated and turn count of every saved conversation, most recent first."""
        items = []
        folder = self.folder(user)
        for path in folder.glob("*.json") if folder.is_dir() else []:
            try:
                conv = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # a damaged file is skipped, never fatal
            if isinstance(conv, dict) and _ID.match(str(conv.get("id", ""))):
                items.append(
                    {
                        "id": conv["id"],
                        "title": conv.get("title") or "Untitled",
                        "updated": conv.get("updated", ""),
                        "turns": len(conv.get("turns", [])),
                    }
                )
        return sorted(items, key=lambda c: (c["updated"], c["id"]), reverse=True)

    def load(self, user: str | None, conv_id: str) -> dict | None:
        try:
            conv = json.loads(self._path(user, conv_id).read_text(encoding="utf-8"))
        except (KeyError, OSError, ValueError):
            return None
        if not isinstance(conv, dict) or not isinstance(conv.get("turns"), list):
            return None
        return conv

    def save(self, user: str | None, conv: dict) -> dict:
        conv = {**conv, "updated": now()}
        if not conv.get("title") and conv.get("turns"):
            conv["title"] = title_for(conv["turns"][0].get("question", ""))
        path = self._path(user, conv["id"])
        with _lock:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(conv, f, ensure_ascii=False)
            os.replace(tmp, path)
        return conv

    def rename(self, user: str | None, conv_id: str, title: str) -> dict | None:
        conv = self.load(user, conv_id)
        title = " ".join(str(title or "").split())[:MAX_TITLE]
        if conv is None or not title:
            return None
        return self.save(user, {**conv, "title": title})

    def delete(self, user: str | None, conv_id: str) -> bool:
        try:
            self._path(user, conv_id).unlink()
            return True
        except (KeyError, OSError):
            return False


def export_markdown(conv: dict) -> str:
    """A conversation as Markdown: every question, answer, quote, source title, date and link."""
    lines = [f"# {conv.get('title') or 'Conversation'}", "", f"_Exported from Corridor Assistant, {now()[:10]}_", ""]
    for i, turn in enumerate(conv.get("turns", []), 1):
        lines += [f"## {i}. {turn.get('question', '').strip()}", ""]
        answer = turn.get("answer")
        if answer is None:
            lines += [f"_Not asked: {turn.get('error', '')}_", ""]
            continue
        lines += [answer.get("text", ""), ""]
        cites = answer.get("citations", [])
        if cites:
            lines += ["**Sources**", ""]
            for c in cites:
                lines += [f"{c.get('n')}. {_md_source(c)}", f"   > {unmark(c.get('quote', ''))}", ""]
        related = answer.get("related", [])
        if answer.get("abstained") and related:
            lines += ["**Related passages, not an answer**", ""]
            for c in related:
                lines += [f"- {_md_source(c)}", f"  > {unmark(c.get('quote', ''))}", ""]
    return "\n".join(lines).rstrip() + "\n"


def _md_source(c: dict) -> str:
    from ui.render import safe_url

    url = safe_url(c.get("url", ""))
    title = c.get("title") or c.get("source", "")
    meta = ", ".join(x for x in (c.get("publisher"), c.get("published")) if x)
    head = f"[{title}]({url})" if url else title
    return head + (f" ({meta})" if meta else "") if url else citation_line(c)
