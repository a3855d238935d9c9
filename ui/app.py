"""The web chat: `build_app(assistant)` makes the Gradio Blocks, `serve`/`launch` run it.

The handlers (`respond`, `record_vote`, `add_documents`, ...) are plain functions over plain data,
tested without a server; gradio is imported only inside the functions that need it (`import ui`
is cheap, and a missing gradio gives an error with the `pip install` line). The page talks to the
`Assistant` public API only: ask / ask_stream / ingest / sources / remove / source_text.

>>> from assistant import Assistant                                   # doctest: +SKIP
>>> from ui.app import launch                                         # doctest: +SKIP
>>> launch(Assistant(), port=7860)                                    # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.errors import CorridorError
from ui import render
from ui.assets import CSS, JS, PAGE_CSS
from ui.conversations import ConversationStore, export_markdown, new_conversation
from ui.feedback import FeedbackLog
from ui.security import MAX_BODY, MAX_FILE_BYTES, MAX_FILES
from ui.uploads import UPLOAD_SUFFIXES, remove_stored, store_uploads

if TYPE_CHECKING:
    import gradio as gr

    from assistant.core import Assistant

log = logging.getLogger(__name__)

TITLE = "Corridor Assistant"
SUBTITLE = "Answers about the New International Land-Sea Trade Corridor, with sources you can check"
EXAMPLES = [
    "What share of the corridor's trade value comes from Vietnam?",
    "How many ports has the corridor reached?",
    "Who founded Osell?",
    "What was the corridor's 2021 development index?",
]
DEFAULT_CONCURRENCY = 4  # answering takes ~50 ms of CPU; more workers only contend on 2 cores
QUEUE_SIZE = 64
STREAM_STEPS = 16  # an answer appears in at most this many growing pieces
MAX_K = 10
SEARCHING = render.SEARCHING
# The API page shows an endpoint's description but not per-parameter docstrings: both go here.
ASK_DESCRIPTION = (
    "Answer one question about the corridor from the indexed sources, with verbatim citations. "
    "Parameters: question (str), the question in English, at most 2,000 characters; "
    "k (int), passages to answer from, 0 for the server's setting. "
    "Returns Answer.to_dict(): text with [n] markers, abstained, citations "
    "(n, quote, title, publisher, published, url), confidence, kind and related passages."
)
SOURCES_DESCRIPTION = (
    "Every indexed source, newest first: id, title, published, url, publisher, "
    "origin (builtin or user) and chunks. No parameters."
)

# What the browser remembers after "New chat": gradio's BrowserState never stores a falsy value, so
# "" would leave the previous conversation's id there and a reload would bring that one back.
FRESH = "new"

Turn = dict  # {"question": str, "answer": dict | None (render.answer_summary), "error": str, "vote": str}
Update = tuple[str, list[dict], str, list[Turn]]  # (question box, chat messages, sources panel, turns)


class UIDependencyError(CorridorError, ImportError):
    """gradio is not installed."""


@dataclass(frozen=True)
class ServeOptions:
    """Who may change the knowledge base from the browser, and how much they may send.

    `admins=None` means there is no sign-in (loopback only): whoever reaches the page is the
    local user. With sign-in, only the named users may upload and remove.
    """

    upload_enabled: bool = False
    admins: frozenset[str] | None = None
    max_file_bytes: int = MAX_FILE_BYTES
    max_files: int = MAX_FILES

    def may_manage(self, user: str | None) -> bool:
        if not self.upload_enabled:
            return False
        return self.admins is None or (user is not None and user in self.admins)


def _gradio():
    """Import gradio with its telemetry off and the Hugging Face hub offline."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    try:
        import gradio as gr
    except ImportError as exc:
        raise UIDependencyError(
            "the web chat needs gradio: pip install 'corridor-assistant[ui]'" + f" ({exc})"
        ) from None
    # Handlers annotate `request: gr.Request` and `evt: gr.SelectData`; with postponed annotations
    # gradio resolves those names in this module's globals, so the lazily imported module goes there.
    globals()["gr"] = gr
    return gr


# -- chat (no gradio) ----------------------------------------------------------------------------
def reply_html(index: int, turn: Turn) -> str:
    answer = turn.get("answer")
    if answer is None:
        return render.refusal_bubble(turn.get("error", ""))
    return render.answer_bubble(index, answer)


def chat_messages(turns: list[Turn]) -> list[dict]:
    """The Chatbot value (messages format) for a conversation: one user and one assistant message per turn."""
    messages = []
    for i, turn in enumerate(turns):
        messages.append({"role": "user", "content": render.question_bubble(turn["question"])})
        messages.append({"role": "assistant", "content": reply_html(i, turn)})
    return messages


def history(turns: list[Turn]) -> list[tuple[str, str]]:
    """(question, answer text) pairs for `Assistant.ask`; refused questions are left out."""
    return [(t["question"].strip(), t["answer"]["text"]) for t in turns if t.get("answer")]


def _pieces(text: str, steps: int = STREAM_STEPS) -> list[str]:
    """Growing prefixes of `text`, word by word, ending with `text` itself."""
    words = re.findall(r"\S+\s*", text)
    step = max(1, -(-len(words) // steps))
    return ["".join(words[:i]).rstrip() for i in range(step, len(words), step)] + [text]


_twins: dict[int, Assistant] = {}
_twins_lock = threading.Lock()


def _without_llm(assistant: Assistant) -> Assistant:
    """The same knowledge base answered by the extractive answerer (for "LLM off" in the settings).

    Built on first use only: it opens its own copy of the index, so it costs memory once.
    """
    from assistant import Assistant as Cls

    with _twins_lock:
        twin = _twins.get(id(assistant))
        if twin is None:
            twin = _twins[id(assistant)] = Cls(settings=replace(assistant.settings, llm=None))
        return twin


def _answers(assistant: Assistant, question: str, past: list, k: int | None, use_llm: bool) -> Iterator:
    """What to call for the user's settings: streamed by default, `ask(k=...)` for another k."""
    if getattr(assistant.settings, "llm", None) and not use_llm:
        yield _without_llm(assistant).ask(question, history=past, k=k)
    elif k and k != assistant.settings.top_k:
        yield assistant.ask(question, history=past, k=k)
    else:
        yield from assistant.ask_stream(question, history=past)


def respond(
    assistant: Assistant,
    message: object,
    turns: list[Turn] | None = None,
    *,
    k: int | None = None,
    use_llm: bool = True,
    pace: float = 0.02,
) -> Iterator[Update]:
    """Answer `message` in the conversation `turns`, streaming: yields (question box, messages,
    sources HTML, turns).

    The answer text grows over the yields; the last yield holds the full answer, its sources and
    the conversation with the new turn. A question the assistant refuses (empty, too long) gets a
    polite reply in the chat and stays in the question box, so nothing typed is lost.
    """
    turns = list(turns or [])
    question = message if isinstance(message, str) else ""
    index = len(turns)
    asked = chat_messages(turns) + [{"role": "user", "content": render.question_bubble(question)}]
    yield "", asked, SEARCHING, turns
    streamed, answer = "", None
    try:
        for item in _answers(assistant, question, history(turns), k, use_llm):
            if isinstance(item, str):  # an LLM writing: show its words as they come, checked at the end
                streamed += item
                yield "", asked + [{"role": "assistant", "content": render.esc(streamed)}], SEARCHING, turns
            else:
                answer = item
    except CorridorError as exc:
        yield _refuse(turns, question, str(exc))
        return
    except Exception:  # the UI boundary: log it, never show a traceback to the user
        log.exception("answering %r failed", question[:200])
        yield _refuse(turns, question, "something went wrong on our side (the error was logged)")
        return
    summary = render.answer_summary(answer)
    turn = {"question": question, "answer": summary, "error": ""}
    panel = render.sources_panel(turns + [turn])
    pieces = [summary["text"]] if streamed else _pieces(summary["text"])
    for piece in pieces[:-1]:
        yield "", asked + [{"role": "assistant", "content": render.answer_bubble(index, summary, piece)}], panel, turns
        if pace:
            time.sleep(pace)
    turns = turns + [turn]
    yield "", chat_messages(turns), panel, turns


def _refuse(turns: list[Turn], question: str, reason: str) -> Update:
    turns = turns + [{"question": question, "answer": None, "error": reason}]
    return question, chat_messages(turns), render.sources_panel(turns), turns


def record_vote(feedback: FeedbackLog, turns: list[Turn], index: object, liked: object) -> dict | None:
    """Log a thumbs up/down on the assistant message at chat `index`; returns the entry written.

    `liked` is what gradio's like event carries: True / False (or "Like" / "Dislike"); anything
    else (a vote taken back) and votes on user messages are ignored. A turn's vote is recorded
    once: the same vote again is ignored, so a replayed request cannot stuff the log.
    """
    vote = {True: "up", "Like": "up", False: "down", "Dislike": "down"}.get(liked)  # type: ignore[arg-type]
    if isinstance(index, list | tuple):
        index = index[0] if index else None
    if vote is None or not isinstance(index, int) or index % 2 != 1 or not 0 <= index // 2 < len(turns):
        return None
    turn = turns[index // 2]
    if turn.get("vote") == vote:
        return None
    turn["vote"] = vote
    answer = turn.get("answer")
    return feedback.record(
        question=turn["question"],
        answer=answer["text"] if answer else f"(refused: {turn.get('error', '')})",
        citations=answer["citations"] if answer else [],
        abstained=bool(answer and answer["abstained"]),
        vote=vote,
    )


def _same_turn(a: Turn, b: Turn) -> bool:
    return a.get("question") == b.get("question") and (a.get("answer") or {}).get("text") == (
        b.get("answer") or {}
    ).get("text")


def save_conversation(
    store: ConversationStore, user: str | None, conv_id: str, turns: list[Turn], settings: dict
) -> dict:
    """Save `turns` as conversation `conv_id` when they continue it, else as a new conversation.

    A page whose conversation was swapped under it (a question sent while the page was still
    restoring another one, the same conversation continued in two tabs) must not overwrite the
    stored turns with different ones: those are kept, and the page's turns become a new conversation.
    """
    conv = store.load(user, conv_id) if conv_id else None
    stored = (conv or {}).get("turns", [])
    if conv is None or len(stored) > len(turns) or not all(map(_same_turn, stored, turns)):
        conv = new_conversation()
    return store.save(user, {**conv, "turns": turns, "settings": settings})


def answer_dict(assistant: Assistant, question: str, k: int | None = None) -> dict:
    """The `/ask` API endpoint: one question, no history, `Answer.to_dict()`."""
    return assistant.ask(question, k=k or None).to_dict()


# -- sources (no gradio) -------------------------------------------------------------------------
def add_documents(assistant: Assistant, files: list | None, folder: Path, options: ServeOptions) -> str:
    """Store and ingest uploaded files; returns the status line (added, unchanged, refused by name)."""
    paths = [getattr(f, "name", f) for f in (files or [])]
    if not paths:
        return render.status_line("info", "Choose one or more files first.")
    if len(paths) > options.max_files:
        return render.status_line("error", f"At most {options.max_files} files at a time; {len(paths)} were given.")
    stored = store_uploads(paths, folder, options.max_file_bytes)
    refused = list(stored.refused)
    report = None
    if stored.stored:
        try:
            report = assistant.ingest([str(p) for p in stored.stored])
        except CorridorError as exc:
            refused.append(("", str(exc)))
        else:
            refused += [(Path(p).name, reason) for p, reason in report.refused]
            for path, _ in report.refused:  # a refused file is not kept
                Path(path).unlink(missing_ok=True)
    lines = []
    if report is not None:
        done = len(report.added) + len(report.updated)
        copies = f", {len(report.duplicates)} already indexed under another name" if report.duplicates else ""
        lines.append(
            render.status_line(
                "ok",
                f"{done} added or updated, {len(report.unchanged)} unchanged{copies}; {report.chunks} passages indexed.",
            )
        )
    lines += [render.status_line("error", f"Refused: {reason}") for _, reason in refused]
    return "".join(lines)


def remove_document(assistant: Assistant, source_id: object, folder: Path) -> str:
    if not isinstance(source_id, str) or not source_id:
        return render.status_line("info", "Choose a source to remove first.")
    try:
        info = assistant.remove(source_id)
    except CorridorError as exc:
        return render.status_line("error", str(exc))
    remove_stored(folder, info.path)
    return render.status_line("ok", f"Removed “{info.title}” ({info.chunks} passages).")


def user_sources(assistant: Assistant) -> list[tuple[str, str]]:
    """(label, id) of the sources a user may remove (the built-in article stays)."""
    return [(f"{s.title} ({s.published or 'undated'})", s.id) for s in assistant.sources() if s.origin != "builtin"]


def open_source(assistant: Assistant, request: object) -> str:
    """The "open full source" viewer for a request `{"source", "start", "end"}` sent by the page."""
    try:
        data = json.loads(request) if isinstance(request, str) else {}
        source_id, start, end = str(data["source"]), int(data["start"]), int(data["end"])
    except (ValueError, KeyError, TypeError):
        return ""
    info = next((s for s in assistant.sources() if s.id == source_id), None)
    if info is None:
        return render.status_line("error", "That source is no longer indexed.")
    return render.source_viewer(info, assistant.source_text(source_id), start, end)


# -- gradio --------------------------------------------------------------------------------------
def theme():
    gr = _gradio()
    # Regular and Bold only: gradio's bundled SemiBold files are small subsets missing letters
    # (semibold text would mix in fallback glyphs), so weight 600 resolves to Bold instead.
    font = [gr.themes.LocalFont("Source Sans Pro", weights=(400, 700)), "ui-sans-serif", "system-ui", "sans-serif"]
    return gr.themes.Default(primary_hue="teal", secondary_hue="sky", neutral_hue="slate", font=font).set(
        body_text_color_subdued="#475569",
        body_text_color_subdued_dark="#cbd5e1",
        button_primary_background_fill="#0f766e",
        button_primary_background_fill_hover="#115e59",
        button_primary_text_color="#ffffff",
        button_primary_background_fill_dark="#0f766e",
        button_primary_text_color_dark="#ffffff",
        input_placeholder_color="#64748b",
        input_placeholder_color_dark="#94a3b8",
    )


class _Page:
    """The per-request handlers of one app, with what they share (assistant, stores, options)."""

    def __init__(self, assistant: Assistant, feedback_path, pace: float, options: ServeOptions):
        data_dir = Path(assistant.settings.data_dir)
        self.assistant = assistant
        self.pace = pace
        self.options = options
        self.feedback = FeedbackLog(feedback_path or data_dir / "feedback.jsonl")
        self.store = ConversationStore(data_dir / "conversations")
        self.uploads = data_dir / "uploads"
        self.exports = Path(tempfile.mkdtemp(prefix="corridor-export-"))

    def conversation_choices(self, user: str | None) -> list[tuple[str, str]]:
        return [(f"{c['title']} ({c['turns']})", c["id"]) for c in self.store.list(user)]

    def export_file(self, user: str | None, conv: dict | None) -> str | None:
        if not conv or not conv.get("turns"):
            return None
        folder = self.exports / self.store.folder(user).name
        folder.mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^a-z0-9]+", "-", (conv.get("title") or "conversation").lower()).strip("-")[:50]
        path = folder / f"{slug or 'conversation'}.md"
        path.write_text(export_markdown(conv), encoding="utf-8")
        return str(path)


def build_app(
    assistant: Assistant,
    *,
    feedback_path: str | Path | None = None,
    pace: float = 0.02,
    options: ServeOptions | None = None,
) -> gr.Blocks:
    """The chat page as a `gr.Blocks` (not launched). Votes go to `feedback_path`, by default
    `<data_dir>/feedback.jsonl`; conversations to `<data_dir>/conversations/`. Style it by
    launching with `**page_assets()`, as `serve` does."""
    gr = _gradio()
    page = _Page(assistant, feedback_path, pace, options or ServeOptions())
    with gr.Blocks(title=TITLE, analytics_enabled=False) as app:
        _api(gr, assistant)  # first, so the API page lists /ask first
        _layout(gr, app, page)
    return app


def _api(gr, assistant: Assistant) -> None:
    def ask(question: str, k: int = 0) -> dict:
        """Answer one question about the corridor from the indexed sources, with verbatim citations.

        Args:
            question: the question, in English; at most 2,000 characters.
            k: passages to answer from; 0 uses the server's setting (6).
        Returns:
            Answer.to_dict(): text with [n] markers, abstained, citations (n, quote, title, publisher, published, url), confidence, related.
        """
        try:
            return answer_dict(assistant, question, int(k) if k else None)
        except (CorridorError, ValueError, TypeError) as exc:
            raise gr.Error(str(exc)) from None

    def sources() -> list[dict]:
        """Every indexed source, newest first.

        Returns:
            One dict per source: id, title, published, url, publisher, origin (builtin or user), chunks.
        """
        return [{k: v for k, v in s.to_dict().items() if k != "path"} for s in assistant.sources()]

    gr.api(ask, api_name="ask", api_description=ASK_DESCRIPTION)
    gr.api(sources, api_name="sources", api_description=SOURCES_DESCRIPTION)


def _layout(gr, app, page: _Page) -> None:
    """The page: header, conversations and settings in the sidebar, Chat and Sources tabs."""
    a = page.assistant
    private = {"api_visibility": "private"}
    turns = gr.State([])
    conv_id = gr.State("")
    remembered = gr.BrowserState("", storage_key="corridor-conversation")
    with gr.Sidebar(open=False, label="Conversations", elem_id="sidebar", width=300):
        gr.HTML('<h2 class="sidebar-title">Conversations</h2>')
        conv_list = gr.Radio(choices=[], label="Saved conversations", elem_id="conversations", show_label=False)
        rename_box = gr.Textbox(label="Name of this conversation", elem_id="rename", max_lines=1)
        rename_btn = gr.Button("Rename", elem_id="rename-btn", size="md")
        export_btn = gr.DownloadButton("Export as Markdown", value=None, elem_id="export", size="md")
        delete_btn = gr.Button("Delete conversation", elem_id="delete-conv", variant="secondary", size="md")
        confirm_delete = gr.Button("Yes, delete it", elem_id="confirm-delete", variant="stop", visible=False)
        gr.HTML('<h2 class="sidebar-title">Settings</h2>')
        k_slider = gr.Slider(
            1, MAX_K, value=min(MAX_K, a.settings.top_k), step=1, label="Passages per answer", elem_id="k-setting"
        )
        llm_box = gr.Checkbox(
            value=True, label="Let the LLM phrase answers", visible=bool(a.settings.llm), elem_id="llm-setting"
        )
    with gr.Row(elem_id="header-row", equal_height=True):
        gr.HTML(f"<h1>{TITLE}</h1><p>{render.esc(SUBTITLE)}</p>", elem_id="corridor-header")
        # Enabled by the page load: clicked before the load has restored the remembered conversation,
        # it would be undone by it.
        new_chat = gr.Button(
            "New chat", variant="secondary", scale=0, min_width=110, elem_id="new-chat", interactive=False
        )
    with gr.Tabs(elem_id="tabs"):
        with gr.Tab("Chat", id="chat-tab", elem_id="chat-tab"):
            with gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=300):
                    chatbot = gr.Chatbot(
                        elem_id="chat",
                        show_label=False,
                        label="Conversation",
                        buttons=[],  # our own "Copy with sources" keeps quotes and sources, as plain text
                        render_markdown=False,  # questions and sources are text: escaped, never markup
                        sanitize_html=True,
                        feedback_options=("Like", "Dislike"),
                        placeholder=render.placeholder(None),  # the page load fills in what is indexed
                        examples=[{"text": q} for q in EXAMPLES],
                    )
                    textbox = gr.Textbox(
                        label="Your question about the corridor",
                        show_label=False,
                        placeholder="Ask a question about the corridor…",
                        submit_btn="Ask",
                        autofocus=True,
                        max_lines=4,
                        elem_id="question",
                    )
                with gr.Column(scale=2, min_width=300, elem_id="sources-col"):
                    sources = gr.HTML(render.empty_panel(), elem_id="sources")
            with gr.Column(visible=False, elem_id="viewer-box") as viewer_box:
                viewer = gr.HTML("", elem_id="viewer")
                close_viewer = gr.Button("Close the source", elem_id="close-viewer", size="md")
            # The page script writes {"source", "start", "end"} here; kept off-screen (a hidden box is not rendered).
            viewer_request = gr.Textbox(elem_id="viewer-request", label="viewer request", show_label=False)
        with gr.Tab("Sources", id="sources-tab", elem_id="sources-tab"):
            source_list = gr.HTML("", elem_id="sources-list")
            manage_note = gr.HTML("", elem_id="manage-note")
            with gr.Column(visible=False, elem_id="manage") as manage:
                files = gr.File(
                    file_count="multiple",
                    file_types=list(UPLOAD_SUFFIXES),
                    label=f"Add documents (.md, .txt, .html, .pdf; up to {page.options.max_file_bytes // 2**20} MB each)",
                    elem_id="upload",
                )
                upload_status = gr.HTML("", elem_id="upload-status")
                remove_choice = gr.Dropdown(choices=[], label="Remove a source you added", elem_id="remove-choice")
                remove_btn = gr.Button("Remove source", elem_id="remove-btn", variant="secondary")
                confirm_remove = gr.Button("Yes, remove it", elem_id="confirm-remove", variant="stop", visible=False)
    gr.HTML(
        "Runs offline on this computer: no API key, no internet. Answers quote their sources word for word.",
        elem_id="corridor-footer",
    )

    # -- handlers ---------------------------------------------------------------------------
    def sources_view(user):
        try:
            infos = a.sources()
        except CorridorError as exc:  # e.g. the index is still being built: the list fills in on reload
            log.warning("listing sources failed: %s", exc)
            infos = []
        may = page.options.may_manage(user)
        note = (
            ""
            if may
            else render.status_line(
                "info",
                "Adding and removing documents here is for an admin of this server"
                if page.options.upload_enabled
                else "Adding documents from the browser is off on this server: start it with "
                "`corridor serve --allow-upload`, or use `corridor ingest FILE`.",
            )
        )
        choices = [(f"{s.title} ({s.published or 'undated'})", s.id) for s in infos if s.origin != "builtin"]
        return (
            render.sources_table(infos),
            note,
            gr.Column(visible=may),
            gr.Dropdown(choices=choices, value=None),
            gr.Chatbot(placeholder=render.placeholder(infos)),
        )

    def show(user, conv):
        """Outputs that put conversation `conv` (or a new one) on the page."""
        conv = conv or new_conversation()
        t = conv.get("turns", [])
        settings = conv.get("settings", {})
        return (
            t,
            conv["id"] if t else "",
            conv["id"] if t else FRESH,
            chat_messages(t),
            render.sources_panel(t),
            gr.Radio(choices=page.conversation_choices(user), value=conv["id"] if t else None),
            conv.get("title", ""),
            page.export_file(user, conv),
            settings.get("k", min(MAX_K, a.settings.top_k)),
            settings.get("llm", True),
        )

    conv_outputs = [turns, conv_id, remembered, chatbot, sources, conv_list, rename_box, export_btn, k_slider, llm_box]
    source_outputs = [source_list, manage_note, manage, remove_choice, chatbot]

    def on_load(remembered_id, request: gr.Request):
        user = request.username
        conv = page.store.load(user, remembered_id) if remembered_id else None
        return show(user, conv) + sources_view(user) + (gr.Button(interactive=True),)

    def chat(message, t, k, use_llm):
        yield from respond(a, message, t, k=int(k), use_llm=bool(use_llm), pace=page.pace)

    def chat_example(t, k, use_llm, evt: gr.SelectData):
        value = evt.value.get("text", "") if isinstance(evt.value, dict) else str(evt.value or "")
        yield from chat(value, t, k, use_llm)

    def persist(t, cid, k, use_llm, request: gr.Request):
        """Save the conversation after each answer (a new one gets its id on its first answer)."""
        user = request.username
        conv = save_conversation(page.store, user, cid, t, {"k": int(k), "llm": bool(use_llm)})
        return (
            conv["id"],
            conv["id"],
            gr.Radio(choices=page.conversation_choices(user), value=conv["id"]),
            conv["title"],
            page.export_file(user, conv),
        )

    def pick(cid, request: gr.Request):
        user = request.username
        return show(user, page.store.load(user, cid) if cid else None)

    def start_new(request: gr.Request):
        return show(request.username, None)

    def rename(cid, title, request: gr.Request):
        user = request.username
        conv = page.store.rename(user, cid, title) if cid else None
        if conv is None:
            return gr.Radio(), title, gr.DownloadButton()
        return gr.Radio(choices=page.conversation_choices(user), value=cid), conv["title"], page.export_file(user, conv)

    def delete(cid, request: gr.Request):
        if cid:
            page.store.delete(request.username, cid)
        return show(request.username, None) + (gr.Button(visible=False),)

    def vote(t, data: gr.LikeData):
        record_vote(page.feedback, t, data.index, data.liked)
        return t

    def upload(uploaded, request: gr.Request):
        user = request.username
        if not page.options.may_manage(user):
            status = render.status_line("error", "Only an admin may add documents.")
        else:
            status = add_documents(a, uploaded, page.uploads, page.options)
        return (status, None) + sources_view(user)

    def remove(source_id, request: gr.Request):
        user = request.username
        if not page.options.may_manage(user):
            status = render.status_line("error", "Only an admin may remove documents.")
        else:
            status = remove_document(a, source_id, page.uploads)
        return (status, gr.Button(visible=False)) + sources_view(user)

    def view(req):
        html = open_source(a, req)
        return html, gr.Column(visible=bool(html))

    # -- events -----------------------------------------------------------------------------
    chat_outputs = [textbox, chatbot, sources, turns]
    save = {"fn": persist, "inputs": [turns, conv_id, k_slider, llm_box], **private}
    save_outputs = [conv_id, remembered, conv_list, rename_box, export_btn]
    textbox.submit(chat, [textbox, turns, k_slider, llm_box], chat_outputs, **private).then(
        outputs=save_outputs, **save
    )
    chatbot.example_select(chat_example, [turns, k_slider, llm_box], chat_outputs, **private).then(
        outputs=save_outputs, **save
    )
    chatbot.like(vote, [turns], [turns], **private)
    new_chat.click(start_new, None, conv_outputs, queue=False, **private)
    conv_list.input(pick, [conv_list], conv_outputs, queue=False, **private)
    rename_btn.click(rename, [conv_id, rename_box], [conv_list, rename_box, export_btn], **private)
    rename_box.submit(rename, [conv_id, rename_box], [conv_list, rename_box, export_btn], **private)
    delete_btn.click(lambda cid: gr.Button(visible=bool(cid)), [conv_id], [confirm_delete], queue=False, **private)
    confirm_delete.click(delete, [conv_id], conv_outputs + [confirm_delete], **private)
    files.upload(upload, [files], [upload_status, files] + source_outputs, **private)
    remove_btn.click(lambda s: gr.Button(visible=bool(s)), [remove_choice], [confirm_remove], queue=False, **private)
    confirm_remove.click(remove, [remove_choice], [upload_status, confirm_remove] + source_outputs, **private)
    viewer_request.change(view, [viewer_request], [viewer, viewer_box], **private)
    close_viewer.click(lambda: ("", gr.Column(visible=False)), None, [viewer, viewer_box], queue=False, **private)
    app.load(on_load, [remembered], conv_outputs + source_outputs + [new_chat], **private)


def page_assets() -> dict:
    """What `launch` needs to style the page: CSS, theme, the page script, the app's footer."""
    return {
        "css": CSS,
        "theme": theme(),
        "head": f"<style>{PAGE_CSS}</style><script>{JS}</script>",
        "footer_links": ["api"],  # no "built with", no developer settings: they are not for end users
    }


def serve(
    assistant: Assistant,
    host: str = "127.0.0.1",
    port: int = 7860,
    auth: list[tuple[str, str]] | tuple[str, str] | None = None,
    share: bool = False,
    open_browser: bool = False,
    *,
    feedback_path: str | Path | None = None,
    pace: float = 0.02,
    options: ServeOptions | None = None,
    allowed_hosts: tuple[str, ...] = (),
    max_body: int = MAX_BODY,
) -> gr.Blocks:
    """Build, queue and start the app behind the request guard without blocking; returns the
    running Blocks (`.close()` stops it)."""
    from starlette.middleware import Middleware

    from ui import security

    options = options or ServeOptions()
    credentials = [auth] if isinstance(auth, tuple) else auth
    app = build_app(assistant, feedback_path=feedback_path, pace=pace, options=options)
    policy = security.Policy(
        hosts=security.allowed_hosts(host, allowed_hosts),
        check_host=not share,  # a share link arrives under Gradio's tunnel host name
        max_body=max_body,
        upload_enabled=options.upload_enabled,
        max_file_bytes=options.max_file_bytes,
        max_files=options.max_files,
        admins=options.admins,
        blocks=app,
    )
    app.queue(default_concurrency_limit=DEFAULT_CONCURRENCY, max_size=QUEUE_SIZE)
    try:
        app.launch(
            server_name=host,
            server_port=port,
            auth=credentials or None,
            auth_message="Sign in to Corridor Assistant.",
            share=share,
            inbrowser=open_browser,
            prevent_thread_lock=True,
            quiet=True,
            run_history=False,
            ssr_mode=False,
            pwa=False,
            max_file_size=options.max_file_bytes,
            app_kwargs={
                "middleware": [Middleware(security.Guard, policy=policy)],
                **_rest_api(assistant, policy, credentials),
            },
            **page_assets(),
        )
    except OSError as exc:
        raise CorridorError(f"cannot serve on {host}:{port}: {exc}") from None
    return app


def _rest_api(assistant: Assistant, policy, credentials) -> dict:
    """FastAPI arguments that add `POST /api/ask` (`ui.rest`) beside the chat, with its limits and sign-in."""
    from ui.rest import routes

    return {"routes": routes(assistant, policy, credentials, workers=DEFAULT_CONCURRENCY, waiting=QUEUE_SIZE)}


def launch(assistant: Assistant, host: str = "127.0.0.1", port: int = 7860, **kwargs) -> None:
    """Serve the chat, print its URL and block until Ctrl+C. The index is checked (and built or
    refreshed if needed) and the model loaded while the server starts, with a progress line."""
    # numpy first, in this thread: the warm-up (Chroma) and `serve` (Gradio) both import it, and
    # two threads importing numpy at once can leave it half initialised ("partially initialized
    # module 'numpy._core._multiarray_umath'"), which killed a start in CI.
    import numpy  # noqa: F401

    threading.Thread(target=_warm_up, args=(assistant,), name="corridor-warm-up", daemon=True).start()
    app = serve(assistant, host, port, **kwargs)
    print(f"{TITLE} is running at {app.local_url}", flush=True)
    if app.share_url:
        print(f"Public link: {app.share_url}", flush=True)
    print("Press Ctrl+C to stop.", flush=True)
    app.block_thread()


def _warm_up(assistant: Assistant) -> None:
    """Build or refresh the index (one process for `make run`), then load the model."""
    t0 = time.perf_counter()
    print("Checking the index…", file=sys.stderr, flush=True)
    try:
        report = assistant.index(progress=True)
        assistant.warm_up()
    except CorridorError as exc:  # the first question reports it again, politely, in the chat
        print(f"Index not ready: {exc}", file=sys.stderr, flush=True)
        return
    took = time.perf_counter() - t0
    if getattr(report, "rebuilt", False):
        what = f"built: {report.embedded} passages from {report.sources} source(s)"
    else:
        what = "up to date"
    print(f"Index {what}; ready in {took:.1f} s", file=sys.stderr, flush=True)
