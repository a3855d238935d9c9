"""Documents added from the browser: checked, copied into the data dir, then ingested.

Only the uploaded bytes reach the filesystem, under a name made safe here, in one folder
(`<data dir>/uploads/`): a file name cannot point anywhere else. Gradio's temporary copy is
deleted once read. Re-uploading a file of the same name replaces the earlier version (the
source id comes from the stored path), and a refused file is not kept.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

UPLOAD_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm", ".pdf")
MAX_NAME = 100
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


@dataclass
class UploadResult:
    stored: list[Path] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (file name, one-line reason)


def safe_name(name: str) -> str:
    """A plain file name from whatever the browser sent: no folders, no leading dots, no odd characters."""
    base = Path(str(name).replace("\\", "/")).name
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = _UNSAFE.sub("_", stem).strip(" ._") or "document"
    suffix = _UNSAFE.sub("", suffix).lower()
    return (stem[: MAX_NAME - len(suffix) - 1] + ("." + suffix if suffix else "")).strip()


def _human(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


def store_uploads(paths: list[str | Path], folder: Path, max_bytes: int) -> UploadResult:
    """Copy each uploaded temp file into `folder` under a safe name; refuse unsupported or too-big ones."""
    result = UploadResult()
    folder.mkdir(parents=True, exist_ok=True)
    for given in paths:
        temp = Path(given)
        name = safe_name(temp.name)
        try:
            if Path(name).suffix not in UPLOAD_SUFFIXES:
                result.refused.append((name, f"{name}: not a supported type (supported: .md, .txt, .html, .pdf)"))
                continue
            size = temp.stat().st_size
            if size > max_bytes:
                result.refused.append((name, f"{name}: {_human(size)} is over the {_human(max_bytes)} limit"))
                continue
            target = folder / name
            _copy(temp, target)
            result.stored.append(target)
        except OSError as exc:
            result.refused.append((name, f"{name}: could not be stored ({exc.strerror or exc})"))
        finally:
            _discard(temp)
    return result


def _copy(source: Path, target: Path) -> None:
    """Write `target` through a temp file and rename, never following a link at either end."""
    tmp = target.with_name(f".upload-{os.getpid()}-{target.name}")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    with open(source, "rb") as src, os.fdopen(os.open(tmp, flags, 0o600), "wb") as dst:
        while chunk := src.read(1024 * 1024):
            dst.write(chunk)
    os.replace(tmp, target)


def _discard(path: Path) -> None:
    """Delete Gradio's temporary copy (and its per-upload folder when empty)."""
    try:
        path.unlink()
        path.parent.rmdir()
    except OSError:
        pass


def discard_stored(paths: list[Path], keep: set[str]) -> None:
    """Delete stored copies whose file was refused, so nothing unindexed stays on disk."""
    for path in paths:
        if str(path) not in keep:
            try:
                path.unlink()
            except OSError:
                pass


def remove_stored(folder: Path, source_path: str) -> None:
    """Delete the stored copy of a removed source, if it is one of ours."""
    try:
        path = Path(source_path)
        if path.parent.resolve() == folder.resolve():
            path.unlink()
    except (OSError, ValueError):
        pass
