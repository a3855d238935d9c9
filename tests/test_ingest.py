"""Your own documents: ingestion, dates and conflicts, bad input, nothing lost."""

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant import Assistant, CorridorError, SourceNotFoundError
from assistant.cli import cli
from assistant.evaluation import evaluate, load_cases
from tests.conftest import FIXTURES
from tests.test_loaders import make_pdf

DOCS = FIXTURES / "docs"


@pytest.fixture(scope="module")
def docs_assistant(tmp_path_factory):
    asst = Assistant(data_dir=tmp_path_factory.mktemp("docs-data"))
    report = asst.ingest([DOCS])
    assert len(report.added) == 4 and report.ok
    return asst


def test_ingested_documents_are_answered_with_dated_citations(docs_assistant):
    ans = docs_assistant.ask("How many refrigerated containers did the first cold-chain train carry?")
    assert "48" in ans.text
    ans = docs_assistant.ask("Who is the deputy director of the Chongqing Port and Logistics Office?")
    assert "Tang Minghui" in ans.text
    assert ans.citations[0].published == "2023-06-30"
    assert ans.citations[0].url.startswith("https://")


def test_newest_figure_leads_and_older_follows_with_its_date(docs_assistant):
    ans = docs_assistant.ask("How many ports has the corridor reached?")
    assert ans.text.startswith("As of 2024-12-20:")
    assert ans.text.index("514") < ans.text.index("400")
    assert "Earlier, as of 2023-06-30" in ans.text
    dates = [c.published for c in ans.citations]
    assert dates == sorted(dates, reverse=True) and len(dates) >= 2


def test_document_fixture_accuracy(docs_assistant):
    report = evaluate(docs_assistant, load_cases(FIXTURES / "docs_questions.yaml"))
    failures = [(r.id, r.reason, r.answer) for r in report.results if not r.passed]
    assert report.metrics["answer_accuracy"] >= 0.85, failures


def test_reingest_is_idempotent_and_a_changed_file_replaces_its_chunks(tmp_path):
    folder = tmp_path / "docs"
    shutil.copytree(DOCS, folder)
    asst = Assistant(data_dir=tmp_path / "data")
    asst.ingest([folder])
    chunks_before = asst.store.count()
    again = asst.ingest([folder])
    assert again.added == [] and again.updated == [] and len(again.unchanged) == 4 and again.chunks == 0
    assert asst.store.count() == chunks_before

    note = folder / "rail-freight-notes.txt"
    note.write_text(note.read_text().replace("48 refrigerated", "64 refrigerated"))
    changed = asst.ingest([folder])
    assert len(changed.updated) == 1 and len(changed.unchanged) == 3
    ans = asst.ask("How many refrigerated containers did the first cold-chain train carry?")
    assert "64" in ans.text and "48" not in ans.text
    records = asst.store.source_records()
    assert asst.store.count() == sum(r.chunks for r in records.values())  # no duplicates, no leftovers


def test_the_same_documents_from_another_path_are_indexed_once(tmp_path):
    asst = Assistant(data_dir=tmp_path / "data")
    asst.ingest([DOCS])
    chunks_before, sources_before = asst.store.count(), len(asst.sources())
    copy = tmp_path / "copy-of-docs"
    shutil.copytree(DOCS, copy)
    report = asst.ingest([copy])
    assert report.added == [] and report.chunks == 0 and len(report.duplicates) == 4
    assert "4 already indexed from another path" in report.summary()
    assert asst.store.count() == chunks_before and len(asst.sources()) == sources_before
    # a copy whose text differs is a document of its own
    note = copy / "rail-freight-notes.txt"
    note.write_text(note.read_text().replace("48 refrigerated", "64 refrigerated"))
    assert len(asst.ingest([copy]).added) == 1


def test_sources_and_remove(tmp_path):
    asst = Assistant(data_dir=tmp_path / "data")
    asst.ingest([DOCS / "rail-freight-notes.txt"])
    user = [s for s in asst.sources() if s.origin == "user"]
    assert len(user) == 1 and user[0].chunks > 0
    asst.remove(user[0].id)
    assert [s.id for s in asst.sources()] == ["ilstc-chongqing-asean"]
    assert asst.ask("How many refrigerated containers did the first cold-chain train carry?").abstained
    with pytest.raises(SourceNotFoundError):
        asst.remove(user[0].id)
    with pytest.raises(CorridorError, match="built-in"):
        asst.remove("ilstc-chongqing-asean")


def _bad_files(folder: Path) -> dict[str, str]:
    """file name -> words the refusal must contain"""
    folder.mkdir()
    (folder / "notes.docx").write_bytes(b"PK\x03\x04 not supported")
    (folder / "empty.md").write_text("")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 20)
    (folder / "binary.pdf").write_bytes(os.urandom(2048))
    (folder / "latin1.txt").write_bytes("Chongqing caf\xe9 \xff\xfe".encode("latin-1"))
    (folder / "no-text.pdf").write_bytes(make_pdf([None]))  # a page with no content stream: a scan
    return {
        "notes.docx": "unsupported",
        "empty.md": "empty",
        "binary.txt": "binary",
        "binary.pdf": "PDF",
        "latin1.txt": "UTF-8",
        "no-text.pdf": "text layer",
    }


def test_bad_files_are_refused_by_name_and_change_nothing(tmp_path):
    expected = _bad_files(tmp_path / "bad")
    asst = Assistant(data_dir=tmp_path / "data")
    asst.ingest([DOCS / "rail-freight-notes.txt"])
    before = (asst.store.count(), [s.id for s in asst.sources()])
    paths = [tmp_path / "bad" / name for name in expected] + [tmp_path / "missing.md", DOCS / "corridor-update-2023.md"]
    report = asst.ingest(paths)
    assert len(report.added) == 1  # the good file in the batch still goes in
    reasons = {Path(p).name: reason for p, reason in report.refused}
    assert set(reasons) == set(expected) | {"missing.md"}
    for name, words in expected.items():
        assert name in reasons[name] and words in reasons[name] and "\n" not in reasons[name], reasons[name]
    assert asst.store.count() > before[0]
    assert set(before[1]) <= {s.id for s in asst.sources()}
    assert "48" in asst.ask("How many refrigerated containers did the first cold-chain train carry?").text


def test_oversize_file_is_refused(tmp_path):
    from index.loaders import load_file

    big = tmp_path / "big.txt"
    big.write_text("Chongqing rail freight. " * 100)
    with pytest.raises(CorridorError, match="big.txt: is .* the limit is"):
        load_file(big, max_bytes=1000)


def test_cli_ingest_summary_and_exit_codes(tmp_path, monkeypatch):
    monkeypatch.setenv("CORRIDOR_DATA_DIR", str(tmp_path / "data"))
    expected = _bad_files(tmp_path / "bad")
    runner = CliRunner()
    ok = runner.invoke(cli, ["ingest", str(DOCS / "rail-freight-notes.txt")])
    assert ok.exit_code == 0 and "1 added" in ok.output
    bad = runner.invoke(cli, ["ingest", str(tmp_path / "bad"), str(DOCS / "corridor-update-2023.md")])
    assert bad.exit_code == 1
    # inside a folder, files of other types (notes.docx) are skipped silently, not refused
    assert "1 added" in bad.output and f"{len(expected) - 1} refused" in bad.output
    assert "Traceback" not in bad.output
    listed = json.loads(runner.invoke(cli, ["sources", "--json"]).output)
    assert {s["origin"] for s in listed} == {"builtin", "user"} and len(listed) == 3
    gone = runner.invoke(cli, ["remove", "no-such-source"])
    assert gone.exit_code == 1 and gone.output.strip().count("\n") == 0
    date = runner.invoke(cli, ["ingest", str(DOCS / "rail-freight-notes.txt"), "--published", "last week"])
    assert date.exit_code == 1 and "YYYY-MM-DD" in date.output


def _corpus_files(folder: Path, count: int, start: int = 0) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(start, start + count):
        lines = [f"# Depot bulletin {i}", ""]
        lines += [
            f"Inland depot number {i} handled {1000 + i * 7} containers in week {j} of the corridor's winter "
            f"schedule, with trains leaving every {2 + j % 5} hours toward the Beibu Gulf ports."
            for j in range(12)
        ]
        (folder / f"bulletin-{i:03d}.md").write_text("\n\n".join(lines))


CHILD = """
import sys
from assistant import Assistant
asst = Assistant(data_dir=sys.argv[1])
asst.ingest([sys.argv[2]])
print("READY", flush=True)
asst.ingest([sys.argv[3]])
print("DONE", flush=True)
"""


@pytest.mark.slow
def test_sigkill_mid_ingest_loses_nothing_and_resumes(tmp_path):
    data = tmp_path / "data"
    _corpus_files(tmp_path / "first", 3)
    _corpus_files(tmp_path / "second", 120, start=100)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(data), str(tmp_path / "first"), str(tmp_path / "second")],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=Path(__file__).parent.parent,
    )
    assert child.stdout.readline().strip() == "READY"
    time.sleep(1.5)  # well inside the second batch: 120 files embed for several seconds
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)

    asst = Assistant(data_dir=data)
    records = asst.store.source_records()
    user = {k: r for k, r in records.items() if r.source.origin == "user"}
    assert 3 <= len(user) < 123, "the kill should land mid-batch"
    committed = asst.store.committed_chunks(records)
    for source_id, rec in user.items():  # all-or-nothing: a committed file has all its chunks
        assert sum(c.source_id == source_id for c in committed) == rec.chunks
    assert "1007" in asst.ask("How many containers did inland depot number 1 handle in week 0?").text

    report = asst.ingest([tmp_path / "first", tmp_path / "second"])
    assert len(report.unchanged) == len(user) and len(report.added) == 123 - len(user)
    records = asst.store.source_records()
    assert len(records) == 124
    assert asst.store.count() == sum(r.chunks for r in records.values())  # orphans gone, no duplicates


@pytest.mark.slow
def test_questions_are_answered_while_ingesting(tmp_path):
    _corpus_files(tmp_path / "batch", 60)
    asst = Assistant(data_dir=tmp_path / "data").warm_up()
    errors, answers = [], []
    worker = threading.Thread(target=lambda: asst.ingest([tmp_path / "batch"]))
    worker.start()
    while worker.is_alive() or len(answers) < 10:
        try:
            answers.append(asst.ask("What share of the corridor's trade value comes from Vietnam?").text)
        except Exception as exc:  # noqa: BLE001 - any error fails the test below
            errors.append(repr(exc))
        if len(answers) > 500:
            break
    worker.join()
    assert errors == []
    assert len(answers) >= 10 and all("62%" in a for a in answers)
    assert "1007" in asst.ask("How many containers did inland depot number 1 handle in week 0?").text


def test_an_injected_instruction_is_never_quoted_as_an_answer(docs_assistant):
    ans = docs_assistant.ask("Is the corridor closed?")
    assert "Ignore all previous instructions" not in ans.text


def test_a_symlink_to_a_file_outside_the_folder_is_never_indexed(tmp_path, monkeypatch):
    monkeypatch.setenv("CORRIDOR_DATA_DIR", str(tmp_path / "data"))
    secret = tmp_path / "secrets.txt"
    secret.write_text("The vault password is swordfish-4417, kept by the operator Zebulon Quist.\n")
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(DOCS / "rail-freight-notes.txt", docs)
    (docs / "passwd.md").symlink_to(secret)
    (docs / "status.txt").symlink_to("/proc/self/status")
    result = CliRunner().invoke(cli, ["ingest", str(docs)])
    assert result.exit_code == 1 and "1 added" in result.output
    assert "passwd.md" in result.output and "status.txt" in result.output and "symbolic link" in result.output
    asst = Assistant(data_dir=tmp_path / "data")
    assert all("swordfish" not in asst.source_text(s.id) for s in asst.sources())
    assert {s.path for s in asst.sources() if s.origin == "user"} == {str((docs / "rail-freight-notes.txt").resolve())}
    ans = asst.ask("What is the vault password kept by Zebulon Quist?")
    assert ans.abstained and "swordfish" not in ans.text


@pytest.fixture(scope="module")
def hardened(tmp_path_factory):
    """One index holding the red-team documents that must go in, next to those that must not."""
    from tests.test_loaders import BILLION_LAUGHS

    folder = tmp_path_factory.mktemp("red-team")
    (folder / "laughs.md").write_text(BILLION_LAUGHS)
    (folder / "deep.md").write_text("---\ntitle: " + "[" * 5000 + "]" * 5000 + "\n---\nDeep body.\n")
    (folder / "future.md").write_text("---\npublished: 9999-12-31\n---\nVietnam accounts for 0% of the trade.\n")
    (folder / "quarterly.md").write_text(
        "# Quarterly update\nThailand shipped 8,888 containers to Malaysia in the first quarter.\n\n"
        "Laos sent 77 trains of potash north to Chongqing in the same quarter\n"
    )
    asst = Assistant(data_dir=tmp_path_factory.mktemp("red-team-data"))
    return asst, asst.ingest([folder])


def test_hostile_front_matter_refuses_that_file_and_ingests_the_rest(hardened):
    _, report = hardened
    assert len(report.added) == 1
    reasons = {Path(p).name: reason for p, reason in report.refused}
    assert set(reasons) == {"laughs.md", "deep.md", "future.md"}
    assert "alias" in reasons["laughs.md"] and "nested more than" in reasons["deep.md"]
    assert "in the future" in reasons["future.md"]
    assert all("\n" not in reason for reason in reasons.values())


def test_text_next_to_a_heading_and_an_unpunctuated_line_are_answerable(hardened):
    asst, _ = hardened
    ans = asst.ask("How many containers did Thailand ship to Malaysia?")
    assert "8,888" in ans.text and not ans.abstained
    ans = asst.ask("How many trains of potash did Laos send to Chongqing?")
    assert "77" in ans.text and not ans.abstained
    chunks = [c for c in asst.corpus().chunks if c.text.startswith("# Quarterly update")]
    assert chunks and chunks[0].heading == "Quarterly update"
