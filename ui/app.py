"""The web chat: `build_app(assistant)` makes the Gradio Blocks, `launch(...)` serves it.

The chat handler `respond` and the other handlers are plain functions over plain data, so they are
tested without a server; gradio is imported only inside the functions that need it (`import ui` is
cheap, and a missing gradio gives an error with the `pip install` line).

>>> from assistant import Assistant                                   # doctest: +SKIP
>>> from ui.app import launch                                         # doctest: +SKIP
>>> launch(Assistant(), port=7860)                                    # doctest: +SKIP
"""

import logging
import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.errors import CorridorError
from assistant.types import Answer
from ui.feedback import FeedbackLog
from ui.render import (
    CSS,
    EMPTY_SOURCES,
    answer_bubble,
    esc,
    question_bubble,
    refusal_bubble,
    refusal_panel,
    sources_panel,
)

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
SEARCHING = (
    '<div class="sources"><h2 class="sources-title">Sources</h2>'
    '<p class="sources-empty">Searching the sources…</p></div>'
)

Turn = dict  # {"question": str, "reply": str (bubble HTML), "answer": dict | None, "error": str}
Update = tuple[list[dict], str, list[Turn]]  # (chat messages, sources panel HTML, turns)


class UIDependencyError(CorridorError, ImportError):
    """gradio is not installed."""


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
    return gr


# -- plain handlers (no gradio) ------------------------------------------------------------------
def chat_messages(turns: list[Turn]) -> list[dict]:
    """The Chatbot value (messages format) for a conversation: one user and one assistant message per turn."""
    messages = []
    for turn in turns:
        messages.append({"role": "user", "content": question_bubble(turn["question"])})
        messages.append({"role": "assistant", "content": turn["reply"]})
    return messages


def history(turns: list[Turn]) -> list[tuple[str, str]]:
    """(question, answer text) pairs for `Assistant.ask`; refused questions are left out."""
    return [(t["question"].strip(), t["answer"]["text"]) for t in turns if t.get("answer")]


def _pieces(text: str, steps: int = STREAM_STEPS) -> list[str]:
    """Growing prefixes of `text`, word by word, ending with `text` itself."""
    words = re.findall(r"\S+\s*", text)
    step = max(1, -(-len(words) // steps))
    return ["".join(words[:i]).rstrip() for i in range(step, len(words), step)] + [text]


def respond(
    assistant: "Assistant", message: object, turns: list[Turn] | None = None, *, pace: float = 0.02
) -> Iterator[Update]:
    """Answer `message` in the conversation `turns`, streaming: yields (messages, sources HTML, turns).

    The answer text grows over the yields; the last yield holds the full answer, its sources and
    the conversation with the new turn. Questions the assistant refuses (empty, too long) get a
    polite reply in the chat instead of an error.
    """
    turns = list(turns or [])
    question = message if isinstance(message, str) else ""
    asked = chat_messages(turns) + [{"role": "user", "content": question_bubble(question)}]
    yield asked, SEARCHING, turns
    streamed = ""
    try:
        for item in assistant.ask_stream(question, history=history(turns)):
            if isinstance(item, str):  # an LLM writing: show its words as they come, checked at the end
                streamed += item
                yield asked + [{"role": "assistant", "content": esc(streamed)}], SEARCHING, turns
            else:
                answer = item
    except CorridorError as exc:
        yield from _refuse(turns, question, asked, str(exc))
        return
    except Exception:  # the UI boundary: log it, never show a traceback to the user
        log.exception("answering %r failed", question[:200])
        yield from _refuse(turns, question, asked, "something went wrong on our side (the error was logged)")
        return
    panel = sources_panel(answer)
    pieces = [answer.text] if streamed else _pieces(answer.text)
    for i, piece in enumerate(pieces[:-1]):
        yield asked + [{"role": "assistant", "content": answer_bubble(answer, piece)}], panel, turns
        if pace:
            time.sleep(pace)
    turn = {"question": question, "reply": answer_bubble(answer), "answer": _summary(answer), "error": ""}
    turns = turns + [turn]
    yield chat_messages(turns), panel, turns


def _refuse(turns: list[Turn], question: str, asked: list[dict], reason: str) -> Iterator[Update]:
    turn = {"question": question, "reply": refusal_bubble(reason), "answer": None, "error": reason}
    turns = turns + [turn]
    yield chat_messages(turns), refusal_panel(reason), turns


def _summary(answer: Answer) -> dict:
    return {
        "text": answer.text,
        "abstained": answer.abstained,
        "citations": [c.to_dict() for c in answer.citations],
        "grounding": answer.grounding,  # "extractive", or an LLM's "verified" / "fallback"
    }


def record_vote(feedback: FeedbackLog, turns: list[Turn], index: object, liked: object) -> dict | None:
    """Log a thumbs up/down on the assistant message at chat `index`; returns the entry written.

    `liked` is what gradio's like event carries: True / False (or "Like" / "Dislike"); anything
    else (a vote taken back) and votes on user messages are ignored.
    """
    vote = {True: "up", "Like": "up", False: "down", "Dislike": "down"}.get(liked)  # type: ignore[arg-type]
    if isinstance(index, list | tuple):
        index = index[0] if index else None
    if vote is None or not isinstance(index, int) or index % 2 != 1 or not 0 <= index // 2 < len(turns):
        return None
    turn = turns[index // 2]
    answer = turn.get("answer")
    return feedback.record(
        question=turn["question"],
        answer=answer["text"] if answer else f"(refused: {turn.get('error', '')})",
        citations=answer["citations"] if answer else [],
        abstained=bool(answer and answer["abstained"]),
        vote=vote,
    )


def answer_dict(assistant: "Assistant", question: str) -> dict:
    """The `/ask` API endpoint: one question, no history, `Answer.to_dict()`."""
    return assistant.ask(question).to_dict()


# -- gradio --------------------------------------------------------------------------------------
def theme():
    gr = _gradio()
    # Regular and Bold only: gradio's bundled SemiBold files are small subsets missing letters
    # (semibold text would mix in fallback glyphs), so weight 600 resolves to Bold instead.
    font = [gr.themes.LocalFont("Source Sans Pro", weights=(400, 700)), "ui-sans-serif", "system-ui", "sans-serif"]
    return gr.themes.Default(primary_hue="teal", secondary_hue="sky", neutral_hue="slate", font=font)


def build_app(assistant: "Assistant", *, feedback_path: str | Path | None = None, pace: float = 0.02) -> "gr.Blocks":
    """The chat page as a `gr.Blocks` (not launched). Votes go to `feedback_path`, by default
    `<data_dir>/feedback.jsonl`. Style it by launching with `css=ui.render.CSS, theme=ui.app.theme()`,
    as `serve` and `launch` do."""
    gr = _gradio()
    feedback = FeedbackLog(feedback_path or Path(assistant.settings.data_dir) / "feedback.jsonl")

    def chat(message, turns):
        for messages, panel, new_turns in respond(assistant, message, turns, pace=pace):
            yield "", messages, panel, new_turns

    def chat_example(turns, evt: gr.SelectData):
        value = evt.value.get("text", "") if isinstance(evt.value, dict) else str(evt.value or "")
        yield from chat(value, turns)

    def vote(turns, data: gr.LikeData) -> None:
        record_vote(feedback, turns, data.index, data.liked)

    def ask(question: str) -> dict:
        """Answer one question about the corridor; returns the answer with its citations."""
        try:
            return answer_dict(assistant, question)
        except CorridorError as exc:
            raise gr.Error(str(exc)) from None

    with gr.Blocks(title=TITLE, analytics_enabled=False) as app:
        turns = gr.State([])
        gr.HTML(f"<h1>{TITLE}</h1><p>{SUBTITLE}</p>", elem_id="corridor-header", js_on_load=None)
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=360):
                chatbot = gr.Chatbot(
                    elem_id="chat",
                    show_label=False,
                    height=520,
                    buttons=["copy", "copy_all"],
                    render_markdown=False,  # questions and sources are text: escaped, never markup
                    sanitize_html=True,
                    feedback_options=("Like", "Dislike"),
                    placeholder="<strong>Ask about the corridor</strong><br>Every answer cites the sources it comes from.",
                    examples=[{"text": q} for q in EXAMPLES],
                )
                with gr.Row():
                    textbox = gr.Textbox(
                        placeholder="Ask a question about the corridor…",
                        show_label=False,
                        submit_btn="Ask",
                        autofocus=True,
                        max_lines=4,
                        scale=5,
                        elem_id="question",
                    )
                    new_chat = gr.Button("New chat", variant="secondary", scale=0, min_width=130, elem_id="new-chat")
            with gr.Column(scale=2, min_width=300):
                sources = gr.HTML(EMPTY_SOURCES, elem_id="sources", js_on_load=None)
        gr.HTML(
            "Runs offline on this computer: no API key, no internet. Answers quote their sources word for word.",
            elem_id="corridor-footer",
            js_on_load=None,
        )

        outputs = [textbox, chatbot, sources, turns]
        textbox.submit(chat, [textbox, turns], outputs, api_name="chat")
        chatbot.example_select(chat_example, [turns], outputs, api_visibility="private")
        new_chat.click(lambda: ("", [], EMPTY_SOURCES, []), None, outputs, api_visibility="private", queue=False)
        chatbot.clear(lambda: (EMPTY_SOURCES, []), None, [sources, turns], api_visibility="private", queue=False)
        chatbot.like(vote, [turns], None, api_visibility="private")
        gr.api(ask, api_name="ask")
    return app


def serve(
    assistant: "Assistant",
    host: str = "127.0.0.1",
    port: int = 7860,
    auth: tuple[str, str] | None = None,
    share: bool = False,
    open_browser: bool = False,
    *,
    feedback_path: str | Path | None = None,
    pace: float = 0.02,
) -> "gr.Blocks":
    """Build, queue and start the app without blocking; returns the running Blocks (`.close()` stops it)."""
    app = build_app(assistant, feedback_path=feedback_path, pace=pace)
    app.queue(default_concurrency_limit=DEFAULT_CONCURRENCY, max_size=QUEUE_SIZE)
    try:
        app.launch(
            server_name=host,
            server_port=port,
            auth=auth,
            share=share,
            inbrowser=open_browser,
            prevent_thread_lock=True,
            quiet=True,
            css=CSS,
            theme=theme(),
            footer_links=["api", "settings"],
            run_history=False,
            ssr_mode=False,
        )
    except OSError as exc:
        raise CorridorError(f"cannot serve on {host}:{port}: {exc}") from None
    return app


def launch(
    assistant: "Assistant",
    host: str = "127.0.0.1",
    port: int = 7860,
    auth: tuple[str, str] | None = None,
    share: bool = False,
    open_browser: bool = False,
) -> None:
    """Serve the chat, print its URL and block until Ctrl+C. The model loads while the server starts."""
    threading.Thread(target=_warm_up, args=(assistant,), name="corridor-warm-up", daemon=True).start()
    app = serve(assistant, host, port, auth=auth, share=share, open_browser=open_browser)
    print(f"{TITLE} is running at {app.local_url}")
    if app.share_url:
        print(f"Public link: {app.share_url}")
    print("Press Ctrl+C to stop.")
    app.block_thread()


def _warm_up(assistant: "Assistant") -> None:
    try:
        assistant.warm_up()
    except CorridorError as exc:  # the first question reports it again, politely, in the chat
        log.warning("warm-up failed: %s", exc)
