"""The public API's contract: names, typed errors, cheap import."""

import subprocess
import sys

import pytest

import assistant
import assistant as assistant_module
from assistant import InvalidQuestionError
from tests.conftest import load_fixture


def test_public_names():
    for name in ("Answer", "Assistant", "Citation", "Settings", "answer", "InvalidQuestionError", "DataDirError"):
        assert name in assistant.__all__
        assert hasattr(assistant, name)


@pytest.mark.parametrize("bad", ["", "   \n\t", "x" * 2001, None, 42])
def test_bad_questions_raise_a_typed_value_error(assistant, bad):
    with pytest.raises(InvalidQuestionError) as info:
        assistant.ask(bad)
    assert isinstance(info.value, ValueError)
    assert "\n" not in str(info.value)


def test_long_question_message_names_the_limit(assistant):
    with pytest.raises(InvalidQuestionError, match="2,000"):
        assistant.ask("why " * 600)


def test_import_is_light():
    code = (
        "import sys, assistant, assistant.cli; "
        "heavy = [m for m in ('torch', 'sentence_transformers', 'chromadb', 'gradio', 'langchain_core') if m in sys.modules]; "
        "print(heavy); sys.exit(1 if heavy else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_settings_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CORRIDOR_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("CORRIDOR_TOP_K", "3")
    settings = assistant.Settings.from_env()
    assert settings.data_dir == tmp_path / "d"
    assert settings.top_k == 3
    assert assistant.Settings.from_env(top_k=7).top_k == 7  # argument beats environment


def test_bad_setting_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("CORRIDOR_TOP_K", "lots")
    with pytest.raises(assistant.CorridorError, match="CORRIDOR_TOP_K must be an integer"):
        assistant.Settings.from_env()


def test_hand_written_facts_are_searched_only_when_switched_on(monkeypatch, tmp_path):
    """By default only facts derived from every document are searched; CORRIDOR_HAND_FACTS=1 adds
    the ones written by hand for the bundled article (knowledge/facts.yaml)."""
    data = tmp_path / "d"
    question = "What share of the corridor's trade value comes from Indonesia?"
    default = assistant.Assistant(data_dir=data)
    assert default.settings.hand_facts is False
    hand = default.corpus().hidden_facts(derived_too=False)
    assert hand  # the bundled knowledge holds some
    assert not {d.metadata["chunk"].id for d in default.search().search(question)} & hand
    assert "12%" in default.ask(question).text
    monkeypatch.setenv("CORRIDOR_HAND_FACTS", "1")
    switched = assistant.Assistant(data_dir=data)
    assert switched.settings.hand_facts is True
    assert {d.metadata["chunk"].id for d in switched.search().search(question)} & hand
    monkeypatch.setenv("CORRIDOR_HAND_FACTS", "maybe")
    with pytest.raises(assistant.CorridorError, match="CORRIDOR_HAND_FACTS must be 1 or 0"):
        assistant.Settings.from_env()


def test_the_abstention_threshold_is_a_setting(monkeypatch, tmp_path):
    """CORRIDOR_MIN_CONFIDENCE sets it: a lenient threshold answers what a strict one abstains on."""
    data = tmp_path / "d"
    question = "What share of the corridor's trade value comes from Vietnam?"
    monkeypatch.setenv("CORRIDOR_MIN_CONFIDENCE", "0.99")
    strict = assistant.Assistant(data_dir=data)
    monkeypatch.setenv("CORRIDOR_MIN_CONFIDENCE", "0.2")
    lenient = assistant.Assistant(data_dir=data)
    assert strict.settings.min_confidence == 0.99 and lenient.settings.min_confidence == 0.2
    answered = lenient.ask(question)
    assert not answered.abstained and "62%" in answered.text
    assert strict.ask(question).abstained  # not one candidate is that sure
    monkeypatch.setenv("CORRIDOR_MIN_CONFIDENCE", "1.5")
    with pytest.raises(assistant.CorridorError, match="min_confidence must be between 0 and 1"):
        assistant.Settings.from_env()


@pytest.mark.parametrize("question", ["Who founded \ud800 Osell?", "\udcff"])
def test_a_lone_surrogate_is_a_typed_error(assistant, question):
    with pytest.raises(InvalidQuestionError, match="lone surrogate"):
        assistant.ask(question)


@pytest.mark.parametrize(
    "history",
    [
        "What share comes from Vietnam?",  # would be read as one turn per character
        b"bytes",
        {"question": "answer"},
        42,
        [("only a question",)],
        [("q", "a", "extra")],
        [42],
        [("q", 5)],
        [("q\ud800", "a")],
    ],
)
def test_malformed_history_is_a_typed_error(assistant, history):
    with pytest.raises(InvalidQuestionError, match="history") as info:
        assistant.ask("And Indonesia?", history=history)
    assert "\n" not in str(info.value)
    with pytest.raises(InvalidQuestionError, match="history"):
        list(assistant.ask_stream("And Indonesia?", history=history))


def test_well_formed_history_of_pairs_lists_and_bare_questions(assistant):
    question = "What share of the corridor's trade value comes from Vietnam?"
    for history in ([(question, None)], [[question, ""]], [question], (question,)):
        text = assistant.ask("And Indonesia?", history=history).text
        assert "Indonesia" in text and "12" in text


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda a: a.ingest(42), "paths must be a file or folder path"),
        (lambda a: a.ingest([]), "no paths given"),
        (lambda a: a.ingest(["notes.md", None]), "one is NoneType"),
        (lambda a: a.ingest("notes.md", title=123), "title must be text"),
        (lambda a: a.ingest("notes.md", published=20240101), "published must be text"),
        (lambda a: a.remove(["not", "an", "id"]), "a source id is text"),
    ],
)
def test_malformed_ingest_and_remove_arguments_are_typed_errors(assistant, call, words):
    with pytest.raises(assistant_module.CorridorError, match=words) as info:
        call(assistant)
    assert "\n" not in str(info.value)


def test_the_chain_is_a_langchain_runnable_whose_retrieval_callbacks_can_trace(assistant):
    from langchain_core.callbacks import BaseCallbackHandler
    from langchain_core.runnables import Runnable

    class Retrievals(BaseCallbackHandler):
        def __init__(self):
            self.seen = []

        def on_retriever_end(self, documents, **kwargs):
            self.seen.append([d.id for d in documents])

    chain = assistant.chain()
    assert isinstance(chain, Runnable)
    traced = Retrievals()
    question = {"question": "Who founded Osell?", "query": "Who founded Osell?"}
    with_callbacks = chain.invoke(question, {"callbacks": [traced]})
    without = chain.invoke(question)
    assert len(traced.seen) == 1 and traced.seen[0] == [r.id for r in with_callbacks.retrieved]
    assert with_callbacks.text == without.text and "Feng Jianfeng" in without.text


def test_the_runnable_answers_as_ask_does_and_its_parts_are_langchain_types(assistant):
    """`ask` runs the chain's two steps without LangChain's runnable machinery (cold start); the
    runnable, the retriever and the embedder are still the LangChain types callers compose."""
    from langchain_core.embeddings import Embeddings
    from langchain_core.retrievers import BaseRetriever

    chain = assistant.chain()
    for case in load_fixture("core.yaml")[:20]:
        question = case["question"]
        via_chain = chain.invoke({"question": question, "query": question})
        via_ask = assistant.ask(question)
        assert (via_chain.text, via_chain.abstained) == (via_ask.text, via_ask.abstained), question
    retriever = assistant.retriever()
    assert isinstance(retriever, BaseRetriever) and isinstance(assistant.embedder, Embeddings)
    docs = retriever.invoke("Who founded Osell?")
    assert [d.id for d in docs] == [d.id for d in assistant.search().search("Who founded Osell?")]
