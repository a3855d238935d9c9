"""`corridor` as a user runs it: exit codes and one-line errors."""

import json
import socket
import subprocess
import sys

import pytest
from click.testing import CliRunner

from assistant.cli import cli


def run(*args):
    return CliRunner().invoke(cli, list(args))


def test_ask_prints_answer_and_numbered_sources(assistant):
    result = run("ask", "Who founded Osell?")
    assert result.exit_code == 0, result.output
    assert "Feng Jianfeng" in result.output
    assert "[1]" in result.output and "Sources:" in result.output and "iChongqing" in result.output


def test_ask_json_is_answer_to_dict(assistant):
    result = run("ask", "How many ports has the corridor reached?", "--json", "-k", "4")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["abstained"] is False
    assert "335" in data["text"]
    assert data["citations"][0]["quote"]


def test_unanswerable_question_exits_zero_with_abstention(assistant):
    result = run("ask", "What is the capital of France?")
    assert result.exit_code == 0
    assert "can't find" in result.output


def test_blank_question_is_one_line_and_exit_2(assistant):
    result = run("ask", "   ")
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0
    assert result.output.startswith("Error: question is empty")


def test_overlong_question_is_refused(assistant):
    result = run("ask", "a" * 2500)
    assert result.exit_code == 2
    assert "2,500 characters" in result.output and "Traceback" not in result.output


def test_bad_k_is_refused():
    result = run("ask", "Who founded Osell?", "-k", "0")
    assert result.exit_code == 2 and "Error: -k must be greater than 0" in result.output


def test_foreign_data_dir_is_one_line_exit_1(tmp_path, monkeypatch):
    (tmp_path / "notes.txt").write_text("mine")
    monkeypatch.setenv("CORRIDOR_DATA_DIR", str(tmp_path))
    result = run("ask", "Who founded Osell?")
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0 and str(tmp_path) in result.output


def test_help_does_not_load_heavy_libraries():
    code = "import sys; from assistant.cli import main; sys.argv=['corridor','--help']\ntry:\n main()\nexcept SystemExit: pass\nprint([m for m in ('torch','chromadb','gradio') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout
    assert "Commands:" in out and out.strip().endswith("[]")


def test_llm_unreachable_falls_back_with_a_one_line_warning(assistant, monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens there
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{port}/v1")
    monkeypatch.setenv("CORRIDOR_LLM_TIMEOUT", "5")
    result = run("ask", "Who founded Osell?", "--llm", "openai:any-model")
    assert result.exit_code == 0, result.output
    assert "Feng Jianfeng" in result.output
    assert "Warning: LLM unavailable" in result.output and "Traceback" not in result.output


def test_bad_llm_spec_is_one_line(assistant):
    result = run("ask", "Who founded Osell?", "--llm", "gpt-9")
    assert result.exit_code == 1 and "ollama:MODEL or openai:MODEL" in result.output
    assert result.output.strip().count("\n") == 0


@pytest.mark.parametrize("url", ["http://[::1", "http://localhost:port", "ftp://chroma.example", "http://"])
def test_malformed_chroma_url_is_one_line(monkeypatch, url):
    monkeypatch.setenv("CORRIDOR_CHROMA_URL", url)
    result = run("ask", "Who founded Osell?")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.startswith("Error: CORRIDOR_CHROMA_URL") and result.output.strip().count("\n") == 0


def test_escape_sequences_from_documents_never_reach_the_terminal(tmp_path, monkeypatch):
    monkeypatch.setenv("CORRIDOR_DATA_DIR", str(tmp_path / "data"))
    doc = tmp_path / "evil.md"
    doc.write_text(
        "The Nanning depot moved \x1b[2J\x1b]0;pwned\x07 9,876 containers of \u202eeulb\u202c fruit in May.\n"
    )
    assert run("ingest", str(doc)).exit_code == 0
    for args in (["ask", "How many containers did the Nanning depot move?"], ["sources"], ["sources", "--json"]):
        result = run(*args)
        assert result.exit_code == 0, result.output
        assert not any(ch in result.output for ch in "\x1b\x07\u202e\u202c"), repr(result.output)
    answer = run("ask", "How many containers did the Nanning depot move?").output
    assert "9,876" in answer and "\\x1b[2J" in answer  # shown, visibly, not obeyed
