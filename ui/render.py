"""HTML and plain text for the chat page. Pure functions over plain data (answer dicts), no gradio.

Everything that comes from a question, a source or a URL goes through `html.escape` before it
reaches the page: the chat bubbles and the sources panel render HTML, and a source may contain
`<script>` or `<img onerror=...>` that must show as text.

Answers are handled as dicts (`answer_summary`), the shape saved with a conversation, so a
conversation restored from disk renders exactly like a live one. The chat's HTML sanitizer keeps
`id`, `class` and `href` but drops `data-*` and `aria-*`, so bubbles carry what the page script
needs in those: `answer turn-3`, `href="#src-3-1"`.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

ABSTAIN_LABEL = "Not in the sources"
RELATED_LABEL = "Related passages, not an answer"
# Replies that are not answers, by `Answer.kind`: (badge, what the sources panel says). An abstention
# is a finding about the sources; a clarify or language notice means nothing was looked up yet,
# so it is told apart (and is not a warning).
NOTICES = {
    "abstain": (
        ABSTAIN_LABEL,
        "The knowledge base does not answer this question, so nothing is cited. "
        "Try naming a place, company or figure the corridor sources cover.",
    ),
    "clarify": (
        "Needs a complete question",
        "Nothing was looked up: this reads like a follow-up, but there is no earlier question in this "
        "conversation to follow. Ask it as a complete question.",
    ),
    "language": (
        "English only",
        "Nothing was looked up: questions are answered in English only for now. Ask it in English.",
    ),
}
LOW_CONFIDENCE = 0.65  # below this a quoted answer says to check its quote (answers start at 0.5)
UNSURE_NOTE = "Not sure this answers your question: check the quote."
OVERVIEW_NOTE = "An overview: sentences quoted from the source, in its order."
MAX_ECHO_CHARS = 400  # a question longer than this is echoed shortened in its bubble
MAX_CONTEXT_CHARS = 600  # passage shown around a quote in the sources panel
MAX_VIEWER_CHARS = 200_000  # "open full source" shows at most this much around the quote

_MARKER = re.compile(r"\[(\d{1,3})\]")
_MD_LINK = re.compile(r"\[([^\]\n]+)\]\((?:[^)\s]+)\)")
_MD_EMPHASIS = re.compile(r"(?<![\w*_])(\*{1,3}|_{1,3})(?=\S)(.+?)(?<=\S)\1(?![\w*_])", re.DOTALL)
_MD_STRAY = re.compile(r"(?:(?<=\s)|^)[*_]{1,3}(?=\S)|(?<=\S)[*_]{1,3}(?=\s|$|[.,;:!?)])")
_MD_HEADING = re.compile(r"^#{1,6}[ \t]+", re.MULTILINE)
_MD_CODE = re.compile(r"`+")


# -- basics --------------------------------------------------------------------------------------
def esc(text: object) -> str:
    """`html.escape` for anything shown on the page."""
    return html.escape(str(text), quote=True)


def safe_url(url: str) -> str | None:
    """The URL if it is http(s), else None: no `javascript:` or `data:` links."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def unmark(text: str) -> str:
    """Markdown markup taken out of a quoted span: `*caption*` -> `caption`, `[t](u)` -> `t`.

    Sources are Markdown and quotes are verbatim spans of them, so a caption quote would show
    its asterisks; the words stay exactly the source's words.
    """
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_HEADING.sub("", text)
    for _ in range(3):  # nested emphasis: ***a*** or **_a_**
        text = _MD_EMPHASIS.sub(r"\2", text)
    text = _MD_STRAY.sub("", text)  # a marker whose partner lies outside the quoted span
    return _MD_CODE.sub("", text)


def answer_summary(answer) -> dict:
    """The plain data of an `Answer` that the page shows and a saved conversation keeps.

    Fields added to `Answer` later are read with defaults, so an older or newer `Answer` works.
    """

    def cites(items) -> list[dict]:
        return [c.to_dict() if hasattr(c, "to_dict") else dict(c) for c in (items or [])]

    return {
        "text": getattr(answer, "text", ""),
        "abstained": bool(getattr(answer, "abstained", False)),
        "citations": cites(getattr(answer, "citations", [])),
        "related": cites(getattr(answer, "related", [])),
        "grounding": getattr(answer, "grounding", "extractive"),
        "confidence": float(getattr(answer, "confidence", 0.0) or 0.0),
        "kind": getattr(answer, "kind", "") or "",
        "resolved_question": getattr(answer, "resolved_question", "") or "",
    }


def reply_kind(answer: dict) -> str:
    """What a reply is: "abstain", "clarify" or "language" when it is not an answer, else the
    answer's kind ("sentence", "list", ...). An abstention from before `kind` existed is "abstain"."""
    kind = answer.get("kind") or "sentence"
    if answer.get("abstained"):
        return kind if kind in ("clarify", "language") else "abstain"
    return kind


def answer_note(answer: dict) -> str:
    """A short line under an answer: check the quote when the answer is unsure, or what an
    overview is. Confidence applies to quoted answers only (an overview of a document has none)."""
    kind = reply_kind(answer)
    if kind in ("sentence", "list", "yes-no") and 0 < answer.get("confidence", 0) < LOW_CONFIDENCE:
        return UNSURE_NOTE
    if kind == "overview":
        return OVERVIEW_NOTE
    return ""


def _meta(c: dict) -> str:
    return " · ".join(esc(x) for x in (c.get("publisher"), c.get("published")) if x)


# -- chat bubbles --------------------------------------------------------------------------------
def question_bubble(question: object) -> str:
    """A user's question as shown in the chat: escaped, and shortened when very long."""
    text = question if isinstance(question, str) else ""
    text = text.strip()
    if len(text) > MAX_ECHO_CHARS:
        text = f"{text[:MAX_ECHO_CHARS].rstrip()}… ({len(text):,} characters)"
    return esc(text) if text else '<span class="refusal">(empty question)</span>'


def linked_text(turn: int, text: str, citations: list[dict]) -> str:
    """Escaped answer text whose `[n]` markers link to source card n of this turn."""
    known = {int(c.get("n", 0)) for c in citations}

    def link(m: re.Match) -> str:
        n = int(m.group(1))
        if n not in known:
            return m.group(0)
        return f'<a class="cite" href="#src-{turn}-{n}" title="Show source {n}">[{n}]</a>'

    return _MARKER.sub(link, esc(text))


_ITEM_END = re.compile(r"(\[\d{1,3}\])\s+(?=\S)")  # a marker ends a list item: "A. [1] B. [2]"


def answer_body(turn: int, text: str, answer: dict) -> str:
    """The answer text, linked; a list answer ("A. [1] B. [2]") as a bulleted list of its items."""
    cites = answer.get("citations", [])
    if reply_kind(answer) == "list" and answer.get("grounding", "extractive") == "extractive":
        parts = _ITEM_END.split(text.strip())  # text, marker, text, marker, ..., the rest
        items = [parts[i] + parts[i + 1] for i in range(0, len(parts) - 1, 2)] + [parts[-1]]
        if len(items) > 1:
            return (
                '<ul class="answer-list">' + "".join(f"<li>{linked_text(turn, i, cites)}</li>" for i in items) + "</ul>"
            )
    return linked_text(turn, text, cites)


def answer_bubble(turn: int, answer: dict, text: str | None = None) -> str:
    """An answer (or a prefix of it, while it streams) as shown in the chat, with its own sources
    (shown under it on narrow screens), related passages when it abstained, and a copy button."""
    final = text is None
    body = answer_body(turn, answer["text"] if final else text, answer)
    kind = reply_kind(answer)
    parts = [f'<div class="answer turn-{turn} kind-{kind}">']
    if kind in NOTICES:
        badge = "abstain-badge" if kind == "abstain" else "info-badge"
        parts.append(f'<span class="{badge}">{NOTICES[kind][0]}</span><br>')
    parts.append(f'<div class="answer-text">{body}</div>')
    if final and answer_note(answer):
        parts.append(f'<p class="answer-note">{answer_note(answer)}</p>')
    if final:
        cites = answer.get("citations", [])
        if cites:
            cards = "".join(source_card(c, f"bubble-src-{turn}", viewer_of=f"src-{turn}-{c.get('n')}") for c in cites)
            parts.append(
                f'<details class="answer-sources"><summary>Sources ({len(cites)})</summary><ol>{cards}</ol></details>'
            )
        related = answer.get("related", [])
        if answer.get("abstained") and related:
            cards = "".join(source_card(c, f"bubble-rel-{turn}", with_viewer=False, numbered=False) for c in related)
            parts.append(
                f'<details class="answer-sources related"><summary>{RELATED_LABEL}</summary><ol>{cards}</ol></details>'
            )
        parts.append(
            '<button class="copy-answer" type="button" title="Copy the answer with its quotes and sources">'
            "Copy with sources</button>"
            f'<div class="copy-text">{esc(copy_text(answer))}</div>'
        )
    parts.append("</div>")
    return "".join(parts)


def refusal_bubble(message: str) -> str:
    """A polite reply to a question the assistant will not take (empty, too long, ...)."""
    return f'<span class="refusal">Sorry, I can\'t take that question: {esc(message)}.</span>'


def copy_text(answer: dict) -> str:
    """An answer as plain text with its quotes and sources: what "Copy" puts on the clipboard."""
    lines = [answer.get("text", "")]
    cites = answer.get("citations", [])
    if cites:
        lines += ["", "Sources:"]
        for c in cites:
            lines.append(f"[{c.get('n')}] {citation_line(c)}")
            lines.append(f"    “{unmark(c.get('quote', ''))}”")
    return "\n".join(lines)


def citation_line(c: dict) -> str:
    """`Title (Publisher, 2022-09-16) https://...` in plain text."""
    meta = ", ".join(x for x in (c.get("publisher"), c.get("published")) if x)
    url = safe_url(c.get("url", ""))
    return f"{c.get('title') or c.get('source', '')}" + (f" ({meta})" if meta else "") + (f" {url}" if url else "")


# -- source cards and the panel ------------------------------------------------------------------
def highlight(c: dict, limit: int = MAX_CONTEXT_CHARS) -> str:
    """The citation's passage with its quote in `<mark>`, trimmed around the quote when long."""
    quote, context = c.get("quote", ""), c.get("context", "")
    offset = int(c.get("quote_offset", 0) or 0)
    if not context or context[offset : offset + len(quote)] != quote:
        offset = context.find(quote) if context else -1
        if offset < 0:  # no usable passage: the quote alone
            return f"<mark>{esc(unmark(quote))}</mark>"
    before, after = context[:offset], context[offset + len(quote) :]
    room = max(0, (limit - len(quote)) // 2)
    if len(before) > room:
        before = "… " + before[len(before) - room :].split(" ", 1)[-1]
    if len(after) > room:
        after = after[:room].rsplit(" ", 1)[0] + " …"
    return f"{esc(unmark(before))}<mark>{esc(unmark(quote))}</mark>{esc(unmark(after))}"


def source_card(c: dict, prefix: str, *, with_viewer: bool = True, numbered: bool = True, viewer_of: str = "") -> str:
    """One source as a card: number, title (linked when it has a web address), publisher and
    date, the passage with the quote highlighted, and "Open full source".

    The chat's sanitizer drops `data-*`, so a card under an answer (`viewer_of`, the id of the same
    card in the sources panel) names that card in a class and the page script reads the panel's button."""
    n = int(c.get("n", 0) or 0)
    title = esc(c.get("title") or c.get("source", ""))
    url = safe_url(c.get("url", ""))
    if url:
        title = f'<a href="{esc(url)}" target="_blank" rel="noopener noreferrer nofollow">{title}</a>'
    meta = _meta(c)
    number = f'<span class="source-n">[{n}]</span> ' if numbered else ""
    viewer = ""
    viewable = bool(c.get("source")) and int(c.get("end", -1)) >= 0
    if viewable and viewer_of:
        viewer = f'<button type="button" class="open-source of-{esc(viewer_of)}">Open full source</button>'
    elif viewable and with_viewer:
        viewer = (
            f'<button type="button" class="open-source" data-source="{esc(c["source"])}" '
            f'data-start="{int(c.get("start", -1))}" data-end="{int(c.get("end", -1))}">Open full source</button>'
        )
    return (
        f'<li class="source" id="{prefix}-{n}">'
        f'<div class="source-head">{number}{title}</div>'
        + (f'<div class="source-meta">{meta}</div>' if meta else "")
        + f"<blockquote>{highlight(c)}</blockquote>{viewer}</li>"
    )


def _panel(inner: str) -> str:
    return f'<div class="sources" aria-live="polite"><h2 class="sources-title">Sources</h2>{inner}</div>'


def empty_panel() -> str:
    return _panel(
        '<p class="sources-empty">Each answer quotes its sources word for word. '
        "They appear here, with the quoted words highlighted in their passage.</p>"
    )


SEARCHING = _panel('<p class="sources-empty">Searching the sources…</p>')


def turn_section(turn: int, question: str, answer: dict | None, error: str, active: bool) -> str:
    """The sources of one turn; the panel holds every turn's and shows the active one."""
    label = esc(question.strip()[:120] or "(empty question)")
    cls = "turn-sources active" if active else "turn-sources"
    head = f'<p class="turn-question">For: {label}</p>'
    if answer is None:
        body = f'<div class="notice notice-refusal"><strong>Question not asked</strong>{esc(error)}.</div>'
    elif reply_kind(answer) in NOTICES:
        kind = reply_kind(answer)
        label, explanation = NOTICES[kind]
        body = f'<div class="notice notice-{kind}"><strong>{label}</strong>{explanation}</div>'
        related = answer.get("related", [])
        if related:
            cards = "".join(source_card(c, f"rel-{turn}", numbered=False) for c in related)
            body += f'<h3 class="related-title">{RELATED_LABEL}</h3><ol class="related">{cards}</ol>'
    elif answer.get("citations"):
        body = "<ol>" + "".join(source_card(c, f"src-{turn}") for c in answer["citations"]) + "</ol>"
    else:
        body = '<p class="sources-empty">This answer cites nothing.</p>'
    return f'<section class="{cls}" id="turn-src-{turn}">{head}{body}</section>'


def sources_panel(turns: list[dict], active: int | None = None) -> str:
    """The sources panel: every turn's sources, the `active` one (default: the latest) shown."""
    if not turns:
        return empty_panel()
    active = len(turns) - 1 if active is None else active
    sections = "".join(
        turn_section(i, t.get("question", ""), t.get("answer"), t.get("error", ""), i == active)
        for i, t in enumerate(turns)
    )
    return _panel(sections)


# -- empty state, sources tab, full-source viewer ------------------------------------------------
def corpus_line(sources: list) -> str:
    """What is indexed, in one line: "1 source: iChongqing, 2022-09-16" or "12 sources, newest 2024-12-20"."""
    if not sources:
        return "No sources are indexed yet."
    if len(sources) == 1:
        s = sources[0]
        who = ", ".join(x for x in (s.publisher or s.title, s.published) if x)
        return f"1 source: {who}"
    dates = [s.published for s in sources if s.published]
    return f"{len(sources)} sources" + (f", newest {max(dates)}" if dates else "")


def placeholder(sources: list | None) -> str:
    """The empty chat: what to do, and what is indexed (`None`: not known yet, while the page loads)."""
    line = "" if sources is None else f'<br><span class="corpus-line">{esc(corpus_line(sources))}</span>'
    return f"<strong>Ask about the corridor</strong><br>Every answer cites the sources it comes from.{line}"


def sources_table(sources: list) -> str:
    """The Sources tab's list: title, publisher, date, chunks, origin."""
    if not sources:
        return '<p class="sources-empty">No sources are indexed.</p>'
    rows = []
    for s in sources:
        url = safe_url(s.url)
        title = esc(s.title or s.id)
        if url:
            title = f'<a href="{esc(url)}" target="_blank" rel="noopener noreferrer nofollow">{title}</a>'
        origin = "built in" if s.origin == "builtin" else "added"
        rows.append(
            f"<tr><td>{title}<div class='source-id'>{esc(s.id)}</div></td><td>{esc(s.publisher)}</td>"
            f"<td>{esc(s.published or '–')}</td><td class='num'>{int(s.chunks)}</td><td>{origin}</td></tr>"
        )
    return (
        f'<table class="source-table"><caption>{esc(corpus_line(sources))}</caption>'
        "<thead><tr><th scope='col'>Title</th><th scope='col'>Publisher</th><th scope='col'>Date</th>"
        "<th scope='col'>Chunks</th><th scope='col'>Origin</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def source_viewer(info, text: str, start: int, end: int) -> str:
    """A whole source with the quoted span highlighted (the page scrolls to it)."""
    head = esc(info.title or info.id)
    url = safe_url(info.url)
    link = f' <a href="{esc(url)}" target="_blank" rel="noopener noreferrer nofollow">original</a>' if url else ""
    meta = " · ".join(esc(x) for x in (info.publisher, info.published) if x)
    if not 0 <= start <= end <= len(text):
        start = end = 0
    lo = max(0, start - MAX_VIEWER_CHARS // 2)
    hi = min(len(text), max(end, lo + MAX_VIEWER_CHARS))
    before, quote, after = text[lo:start], text[start:end], text[end:hi]
    body = (
        ("… " if lo else "")
        + esc(before)
        + (f'<mark id="viewer-mark">{esc(quote)}</mark>' if quote else "")
        + esc(after)
        + (" …" if hi < len(text) else "")
    )
    return (
        f'<div class="viewer"><h2 class="viewer-title">{head}</h2>'
        f'<p class="source-meta">{meta}{link}</p><div class="viewer-text">{body}</div></div>'
    )


def status_line(kind: str, message: str) -> str:
    """A one-line notice under the upload and remove controls (kind: ok, error, info)."""
    text = re.sub(r"`([^`\n]+)`", r"<code>\1</code>", esc(message))  # `corridor ingest FILE` as code
    return f'<p class="status status-{kind}" role="status">{text}</p>'
