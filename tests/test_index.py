"""Index lifecycle: reuse on restart, rebuild on change, clear errors for bad data dirs."""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant import Assistant, DataDirError


def test_second_start_does_no_embedding_work(tmp_path, monkeypatch):
    first = Assistant(data_dir=tmp_path / "d")
    report = first.index()
    assert report.rebuilt and report.embedded > 40

    second = Assistant(data_dir=tmp_path / "d")
    calls = []
    monkeypatch.setattr(type(second.store.embedder), "embed_documents", lambda self, texts: calls.append(texts) or [])
    again = second.index()
    assert not again.rebuilt and again.embedded == 0
    assert calls == []
    assert "335" in second.ask("How many ports has the corridor reached?").text


def test_changed_chunking_rebuilds(tmp_path):
    Assistant(data_dir=tmp_path / "d").index()
    report = Assistant(data_dir=tmp_path / "d", settings=None).index()
    assert report.embedded == 0
    from assistant import Settings

    changed = Assistant(settings=Settings(data_dir=tmp_path / "d", chunk_size=300, chunk_overlap=60))
    report = changed.index()
    assert report.rebuilt and report.reason == "model or chunking changed"
    assert "62%" in changed.ask("What share of the corridor's trade value comes from Vietnam?").text


def test_foreign_data_dir_is_refused_untouched(tmp_path):
    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "holiday.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(DataDirError, match="not a Corridor Assistant data dir") as info:
        Assistant(data_dir=foreign).ask("Who founded Osell?")
    assert str(foreign) in str(info.value)
    assert sorted(p.name for p in foreign.iterdir()) == ["holiday.jpg"]


def test_corrupt_index_names_the_dir_and_the_fix(tmp_path):
    data = tmp_path / "d"
    Assistant(data_dir=data).index()
    for f in (data / "chroma").rglob("*.sqlite3"):
        f.write_bytes(b"this is not a database" * 100)
    with pytest.raises(DataDirError) as info:
        Assistant(data_dir=data).ask("Who founded Osell?")
    assert str(data) in str(info.value) and "corridor index --rebuild" in str(info.value)

    rebuilt = Assistant(data_dir=data)
    rebuilt.index(rebuild=True)
    assert "Feng Jianfeng" in rebuilt.ask("Who founded Osell?").text


# ------------------------------------------------------------------ rebuild keeps your documents

NOTE = "The Guiyang dry port loaded 4,321 containers of furniture in its first month of operation.\n"


def _cli(*args):
    from click.testing import CliRunner

    from assistant.cli import cli

    return CliRunner().invoke(cli, list(args))


def test_rebuild_keeps_ingested_documents_and_says_so(tmp_path, monkeypatch):
    from tests.conftest import FIXTURES

    monkeypatch.setenv("CORRIDOR_DATA_DIR", str(tmp_path / "d"))
    (tmp_path / "guiyang.md").write_text(NOTE)
    assert _cli("ingest", str(tmp_path / "guiyang.md"), str(FIXTURES / "docs")).exit_code == 0
    result = _cli("index", "--rebuild")
    assert result.exit_code == 0, result.output
    assert "5 ingested document(s) re-embedded from their stored text" in result.output
    asst = Assistant(data_dir=tmp_path / "d")
    assert len(asst.sources()) == 6  # 12 sources -> 1 was the bug
    assert "4,321" in asst.ask("How many containers did the Guiyang dry port load in its first month?").text
    assert not list((tmp_path / "d").glob("chroma.old-*"))  # the old index is gone once the new one is done
    again = Assistant(data_dir=tmp_path / "d")
    assert again.ingest([tmp_path / "guiyang.md"]).unchanged  # committed exactly as `ingest` commits it


def test_rebuild_of_an_unreadable_index_keeps_it_aside_and_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("CORRIDOR_DATA_DIR", str(tmp_path / "d"))
    (tmp_path / "guiyang.md").write_text(NOTE)
    assert _cli("ingest", str(tmp_path / "guiyang.md")).exit_code == 0
    for f in (tmp_path / "d" / "chroma").rglob("*.sqlite3"):
        f.write_bytes(b"this is not a database" * 100)
    result = _cli("index", "--rebuild")
    assert result.exit_code == 0, result.output
    (kept,) = (tmp_path / "d").glob("chroma.old-*")
    assert f"it is kept in {kept}" in result.output and "Ingest them again" in result.output
    assert "Feng Jianfeng" in Assistant(data_dir=tmp_path / "d").ask("Who founded Osell?").text


def _write_marker(data: Path, format_: object) -> None:
    (data / "corridor-data.json").write_text(json.dumps({"format": format_}))


def test_a_newer_format_gets_advice_that_works_and_is_never_rebuilt_over(tmp_path):
    data = tmp_path / "d"
    Assistant(data_dir=data).index()
    _write_marker(data, 99)
    for call in (lambda a: a.ask("Who founded Osell?"), lambda a: a.index(rebuild=True)):
        with pytest.raises(DataDirError) as info:
            call(Assistant(data_dir=data))
        assert "newer Corridor Assistant" in str(info.value) and "upgrade" in str(info.value)
        assert "--rebuild" not in str(info.value)
    assert (data / "chroma").is_dir() and not list(data.glob("chroma.old-*"))


def test_an_older_format_is_rebuilt_keeping_documents(tmp_path):
    data = tmp_path / "d"
    (tmp_path / "guiyang.md").write_text(NOTE)
    Assistant(data_dir=data).ingest([tmp_path / "guiyang.md"])
    _write_marker(data, 0)
    with pytest.raises(DataDirError, match=r"older version .* run `corridor index --rebuild`"):
        Assistant(data_dir=data).ask("Who founded Osell?")
    report = Assistant(data_dir=data).index(rebuild=True)
    assert report.user_sources == 1 and not report.kept_at
    assert json.loads((data / "corridor-data.json").read_text())["format"] == 1
    assert "4,321" in Assistant(data_dir=data).ask("How many containers did the Guiyang dry port load?").text


# ------------------------------------------------------------------ readers never wait on writers


def _read_only_runner() -> list[str]:
    """Run a command as this user without the power to write read-only files (root ignores modes)."""
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        pytest.skip("root without setpriv: cannot make a data dir read-only for this user")
    caps = "-dac_override,-dac_read_search,-fowner"
    return ["setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}"]


def test_a_read_only_data_dir_serves_questions(tmp_path):
    data = tmp_path / "d"
    (tmp_path / "guiyang.md").write_text(NOTE)
    Assistant(data_dir=data).ingest([tmp_path / "guiyang.md"])
    corridor = str(Path(sys.executable).parent / "corridor")
    env = {**os.environ, "CORRIDOR_DATA_DIR": str(data)}
    subprocess.run(["chmod", "-R", "a-w", str(data)], check=True)
    try:
        ask = subprocess.run(
            [*_read_only_runner(), corridor, "ask", "How many containers did the Guiyang dry port load?"],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
        assert ask.returncode == 0, ask.stderr
        assert "4,321" in ask.stdout
        ingest = subprocess.run(
            [*_read_only_runner(), corridor, "ingest", str(tmp_path / "guiyang.md")],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
        assert ingest.returncode == 1 and "Traceback" not in ingest.stderr
        assert "cannot be written here" in ingest.stderr and ingest.stderr.strip().count("\n") == 0
    finally:
        subprocess.run(["chmod", "-R", "u+w", str(data)], check=True)
    assert not (data / "write.lock").exists() or (data / "write.lock").stat().st_size == 0


INGESTER = """
import sys
from assistant import Assistant
asst = Assistant(data_dir=sys.argv[1])
asst.index()
print("READY", flush=True)
asst.ingest([sys.argv[2]])
print("DONE", flush=True)
"""


@pytest.mark.slow
def test_a_process_started_during_an_ingest_answers_at_once(tmp_path):
    from filelock import FileLock, Timeout

    from tests.test_ingest import _corpus_files

    data = tmp_path / "d"
    (tmp_path / "guiyang.md").write_text(NOTE)
    Assistant(data_dir=data).ingest([tmp_path / "guiyang.md"])
    _corpus_files(tmp_path / "batch", 150)
    child = subprocess.Popen(
        [sys.executable, "-c", INGESTER, str(data), str(tmp_path / "batch")],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=Path(__file__).parent.parent,
    )
    try:
        assert child.stdout.readline().strip() == "READY"
        deadline = time.monotonic() + 60
        while True:  # wait until the child holds the writer lock
            try:
                with FileLock(str(data / "write.lock"), timeout=0):
                    pass
            except Timeout:
                break
            assert time.monotonic() < deadline and child.poll() is None
            time.sleep(0.05)
        from index.embeddings import load_embedder

        load_embedder()  # the model is loaded once per process whatever happens; the index is what is timed
        t0 = time.perf_counter()
        reader = Assistant(data_dir=data)
        reader.corpus()  # opens the index, finds it current, loads what is committed: no lock
        opened = time.perf_counter() - t0
        ans = reader.ask("How many containers did the Guiyang dry port load?")
        answered = time.perf_counter() - t0
        assert "4,321" in ans.text
        assert child.poll() is None, "the ingest should still be running"
        assert opened < 1.0, f"{opened:.2f} s to open"  # ~0.1 s; it used to wait for the ingest (up to 600 s)
        assert answered < 10, f"{answered:.2f} s"  # the query embedding shares 2 cores with the ingest
    finally:
        child.kill()
        child.wait(timeout=30)


# ------------------------------------------------------------------------- damage and disk full


def test_a_database_damaged_mid_file_is_one_line_and_rebuild_recovers(tmp_path, monkeypatch):
    data = tmp_path / "d"
    Assistant(data_dir=data).index()
    database = data / "chroma" / "chroma.sqlite3"
    size = database.stat().st_size
    with database.open("r+b") as f:
        f.seek(size // 2)
        f.write(os.urandom(65536))
    from index.store import clear_client_cache

    clear_client_cache()  # as in a new process: this one cached its client for that folder
    monkeypatch.setenv("CORRIDOR_DATA_DIR", str(data))
    # A new process starts from the saved corpus view without opening Chroma: it still answers.
    assert "Feng Jianfeng" in _cli("ask", "Who founded Osell?").output
    result = _cli("index")  # opening the index finds the damage
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().count("\n") == 0 and "corridor index --rebuild" in result.output
    assert _cli("index", "--rebuild").exit_code == 0
    assert "Feng Jianfeng" in _cli("ask", "Who founded Osell?").output


def test_disk_full_mid_ingest_is_one_line_and_keeps_what_was_committed(tmp_path):
    import resource

    from tests.test_ingest import _corpus_files

    data = tmp_path / "d"
    (tmp_path / "guiyang.md").write_text(NOTE)
    Assistant(data_dir=data).ingest([tmp_path / "guiyang.md"])
    _corpus_files(tmp_path / "batch", 40)
    biggest = max(f.stat().st_size for f in (data / "chroma").rglob("*") if f.is_file())

    def small_disk():  # writes past this size fail with EFBIG, as they would on a full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (biggest + 100_000, biggest + 100_000))

    corridor = str(Path(sys.executable).parent / "corridor")
    env = {**os.environ, "CORRIDOR_DATA_DIR": str(data)}
    full = subprocess.run(
        [corridor, "ingest", str(tmp_path / "batch")],
        preexec_fn=small_disk,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert full.returncode == 1 and "Traceback" not in full.stderr, full.stderr
    (error,) = [line for line in full.stderr.splitlines() if line.startswith("Error:")]
    assert "cannot write to the index" in error and "free space" in error
    asst = Assistant(data_dir=data)
    assert "4,321" in asst.ask("How many containers did the Guiyang dry port load?").text
    report = asst.ingest([tmp_path / "batch"])
    assert report.ok and len(report.added) + len(report.unchanged) == 40
    records = asst.store.source_records()
    assert asst.store.count() == sum(r.chunks for r in records.values())
