"""HTML for the chat page: chat bubbles, the sources panel and notices. Pure functions, no gradio.

Everything that comes from a question, a source or a URL goes through `html.escape` before it
reaches the page: the chat bubbles and the sources panel render HTML, and a source may contain
`<script>` or `<img onerror=...>` that must show as text.
"""

from __future__ import annotations

import html
from urllib.parse import urlsplit

from assistant.types import Answer, Citation

ABSTAIN_LABEL = "Not in the sources"
MAX_ECHO_CHARS = 400  # a question longer than this is echoed shortened in its bubble
MAX_CONTEXT_CHARS = 600  # passage shown around a quote in the sources panel

EMPTY_SOURCES = (
    '<div class="sources"><h2 class="sources-title">Sources</h2>'
    '<p class="sources-empty">Each answer quotes its sources word for word. '
    "They appear here, with the quoted words highlighted in their passage.</p></div>"
)

CSS = """
.gradio-container { max-width: 1280px !important; margin: 0 auto !important; }
#corridor-header { padding: 12px 4px 2px; }
#corridor-header h1 { font-size: 1.7rem; font-weight: 600; margin: 0; letter-spacing: -0.01em; }
#corridor-header p { margin: 4px 0 0; color: var(--body-text-color-subdued); font-size: 1.02rem; }
#chat .message-content, #chat .md { font-size: 1rem; line-height: 1.55; }
#chat .abstain-badge { display: inline-block; margin: 0 0 6px; padding: 1px 9px; border-radius: 999px;
  background: #fff4e0; color: #8a4b00; border: 1px solid #f2c27b; font-size: .8rem; font-weight: 600; }
#chat .refusal { color: var(--body-text-color-subdued); font-style: italic; }
#sources .sources { padding: 4px 6px; }
#sources .sources-title { font-size: 1.05rem; font-weight: 600; margin: 4px 0 10px; }
#sources .sources-empty { color: var(--body-text-color-subdued); }
#sources ol { list-style: none; padding: 0; margin: 0; }
#sources .source { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 10px 12px;
  margin: 0 0 10px; background: var(--background-fill-secondary); }
#sources .source-head { font-weight: 600; line-height: 1.35; }
#sources .source-n { color: var(--color-accent); margin-right: 4px; }
#sources .source-meta { color: var(--body-text-color-subdued); font-size: .85rem; margin: 2px 0 8px; }
#sources blockquote { margin: 0; padding: 0 0 0 10px; border-left: 3px solid var(--border-color-accent);
  font-size: .92rem; line-height: 1.5; }
#sources mark { background: #fff1a8; color: inherit; padding: 0 2px; border-radius: 3px; }
#sources .notice { border-radius: 10px; padding: 10px 12px; border: 1px solid #f2c27b; background: #fff8ec; color: #5c3300; }
#sources .notice strong { display: block; margin-bottom: 2px; }
#corridor-footer { text-align: center; color: var(--body-text-color-subdued); font-size: .85rem; padding: 6px 0 0; }
.dark #chat .abstain-badge, .dark #sources .notice { background: #3a2a10; color: #ffd79a; border-color: #7a5418; }
.dark #sources mark { background: #6b5a00; }
"""


def esc(text: object) -> str:
    """`html.escape` for anything shown on the page."""
    return html.escape(str(text), quote=True)


def safe_url(url: str) -> str | None:
    """The URL if it is http(s), else None: no `javascript:` or `data:` links."""
    url = (url or "").strip()
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return url if scheme in ("http", "https") else None


def question_bubble(question: object) -> str:
    """A user's question as shown in the chat: escaped, and shortened when very long."""
    text = question if isinstance(question, str) else ""
    text = text.strip()
    if len(text) > MAX_ECHO_CHARS:
        text = f"{text[:MAX_ECHO_CHARS].rstrip()}… ({len(text):,} characters)"
    return esc(text) if text else '<span class="refusal">(empty question)</span>'


def answer_bubble(answer: Answer, text: str | None = None) -> str:
    """An answer (or a prefix of it, while it streams) as shown in the chat."""
    body = esc(answer.text if text is None else text)
    if answer.abstained:
        return f'<span class="abstain-badge">{ABSTAIN_LABEL}</span><br>{body}'
    return body


def refusal_bubble(message: str) -> str:
    """A polite reply to a question the assistant will not take (empty, too long, ...)."""
    return f'<span class="refusal">Sorry, I can\'t take that question: {esc(message)}.</span>'


def highlight(citation: Citation, limit: int = MAX_CONTEXT_CHARS) -> str:
    """The citation's passage with its quote in `<mark>`, trimmed around the quote when long."""
    quote, context = citation.quote, citation.context
    offset = citation.quote_offset
    if not context or context[offset : offset + len(quote)] != quote:
        offset = context.find(quote) if context else -1
        if offset < 0:  # no usable passage: the quote alone
            return f"<mark>{esc(quote)}</mark>"
    before, after = context[:offset], context[offset + len(quote) :]
    room = max(0, (limit - len(quote)) // 2)
    if len(before) > room:
        before = "… " + before[len(before) - room :].split(" ", 1)[-1]
    if len(after) > room:
        after = after[:room].rsplit(" ", 1)[0] + " …"
    return f"{esc(before)}<mark>{esc(quote)}</mark>{esc(after)}"


def source_item(citation: Citation) -> str:
    title = esc(citation.title or citation.source)
    url = safe_url(citation.url)
    if url:
        title = f'<a href="{esc(url)}" target="_blank" rel="noopener noreferrer nofollow">{title}</a>'
    meta = " · ".join(esc(x) for x in (citation.publisher, citation.published) if x)
    return (
        f'<li class="source" id="source-{int(citation.n)}">'
        f'<div class="source-head"><span class="source-n">[{int(citation.n)}]</span>{title}</div>'
        + (f'<div class="source-meta">{meta}</div>' if meta else "")
        + f"<blockquote>{highlight(citation)}</blockquote></li>"
    )


def sources_panel(answer: Answer | None) -> str:
    """The sources panel for the latest answer: every citation, or a notice when it abstained."""
    if answer is None:
        return EMPTY_SOURCES
    if answer.abstained:
        return (
            '<div class="sources"><h2 class="sources-title">Sources</h2>'
            f'<div class="notice notice-abstain"><strong>{ABSTAIN_LABEL}</strong>'
            "The knowledge base does not answer this question, so nothing is cited. "
            "Try naming a place, company or figure the corridor sources cover.</div></div>"
        )
    if not answer.citations:
        return EMPTY_SOURCES
    items = "".join(source_item(c) for c in answer.citations)
    return f'<div class="sources"><h2 class="sources-title">Sources</h2><ol>{items}</ol></div>'


def refusal_panel(message: str) -> str:
    return (
        '<div class="sources"><h2 class="sources-title">Sources</h2>'
        f'<div class="notice notice-refusal"><strong>Question not asked</strong>{esc(message)}.</div></div>'
    )
