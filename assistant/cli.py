"""`corridor`: the command line. It parses, calls the public API, prints; no logic lives here.

Heavy libraries load only inside commands, so `corridor --help` stays fast.
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import replace
from pathlib import Path

import click

from assistant.errors import CorridorError, InvalidQuestionError

# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides that reorder
# what a terminal shows: text from documents must not move the cursor, retitle the window or hide words.
_TERMINAL_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _shown(text: object) -> str:
    """Document text made safe to print: control characters become visible escapes such as `\\x1b`."""
    return _TERMINAL_UNSAFE.sub(
        lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", str(text)
    )


def _echo(text: object = "", **kwargs) -> None:
    click.echo(_shown(text), **kwargs)


def _json(data: object) -> str:
    """JSON for the terminal: readable non-ASCII text, but every control character escaped."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return _TERMINAL_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _fail(message: str, code: int = 1) -> None:
    """One line on stderr and a non-zero exit: users never see a traceback."""
    _echo(f"Error: {message}", err=True)
    sys.exit(code)


def _assistant(**kwargs):
    from assistant import Assistant

    try:
        return Assistant(**kwargs)
    except CorridorError as exc:
        _fail(str(exc))


def _quiet_llm_log() -> None:
    """The CLI says why an LLM answer fell back itself (one `Warning:` line): the library's log
    line for it would say it a second time."""
    import logging

    logging.getLogger("assistant.llm").setLevel(logging.ERROR)


def _print_answer(ans) -> None:
    _echo(ans.text)
    for heading, citations in (("Sources", ans.citations), ("Related passages (not an answer)", ans.related)):
        if citations:
            click.echo(f"\n{heading}:")
            for c in citations:
                meta = ", ".join(x for x in (c.publisher, c.published) if x)
                _echo(f"  [{c.n}] {c.title}" + (f" ({meta})" if meta else "") + (f" {c.url}" if c.url else ""))
                _echo(f"      “{c.quote}”")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="corridor-assistant")
def cli() -> None:
    """Corridor Assistant: grounded answers about the New International Land-Sea Trade Corridor.

    \b
    Examples:
      corridor ask "What share of the corridor's trade comes from Vietnam?"
      corridor ask "How many ports has the corridor reached?" --json
      corridor index --rebuild

    Settings come from CORRIDOR_* environment variables (CORRIDOR_DATA_DIR, CORRIDOR_CHROMA_URL, ...).
    """


@cli.command()
@click.option(
    "--rebuild", is_flag=True, help="Embed everything again, your ingested documents included (from their stored text)."
)
def index(rebuild: bool) -> None:
    """Build the index, or refresh it if the knowledge, model or chunking changed.

    \b
    Examples:
      corridor index
      corridor index --rebuild   # after an error that says the index is damaged
    """
    asst = _assistant()
    try:
        report = asst.index(rebuild=rebuild, progress=True)
    except CorridorError as exc:
        _fail(str(exc))
    if report.rebuilt:
        click.echo(f"Indexed {report.embedded} chunks from {report.sources} source(s) ({report.reason}).")
        if rebuild and not report.kept_at:
            click.echo(f"{report.user_sources} ingested document(s) re-embedded from their stored text.")
    else:
        click.echo("Index is up to date (nothing to embed).")
    if report.kept_at:
        click.echo(
            "Warning: the old index could not be read, so your ingested documents were not carried over; "
            f"it is kept in {report.kept_at}. Ingest them again with `corridor ingest`.",
            err=True,
        )
    click.echo(
        f"Data dir: {asst.settings.data_dir}"
        if not asst.settings.chroma_url
        else f"Chroma server: {asst.settings.chroma_url}"
    )


@cli.command()
@click.argument("question")
@click.option("--json", "json_", is_flag=True, help="Print the answer as JSON (Answer.to_dict()).")
@click.option("-k", "--top-k", "k", type=int, default=None, help="Passages to answer from.")
@click.option(
    "--llm", metavar="ollama:MODEL|openai:MODEL", help="Let an LLM phrase the answer (checked against sources)."
)
def ask(question: str, json_: bool, k: int | None, llm: str | None) -> None:
    """Answer QUESTION with numbered, verbatim citations.

    \b
    Example:
      corridor ask "Who founded Osell?"
    """
    if k is not None and k <= 0:
        _fail(f"-k must be greater than 0. Currently, k is {k}", 2)
    asst = _assistant(llm=llm)
    _quiet_llm_log()
    try:
        asst.validate(question)
        ans = asst.ask(question, k=k)
    except InvalidQuestionError as exc:
        _fail(str(exc), 2)
    except CorridorError as exc:
        _fail(str(exc))
    if ans.grounding == "fallback" and ans.reason:
        _echo(f"Warning: {ans.reason}", err=True)
    if json_:
        click.echo(_json(ans.to_dict()))
    else:
        _print_answer(ans)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--title", help="Title for the document(s) (overrides the file's own).")
@click.option("--published", metavar="YYYY-MM-DD", help="Publication date (overrides the file's own).")
@click.option("--url", help="Link to the original (overrides the file's own).")
@click.option(
    "--follow-symlinks",
    is_flag=True,
    help="Follow symbolic links that resolve inside the named folder (by default links are refused).",
)
@click.option("--json", "json_", is_flag=True, help="Print the report as JSON.")
def ingest(
    paths: tuple[str, ...],
    title: str | None,
    published: str | None,
    url: str | None,
    follow_symlinks: bool,
    json_: bool,
) -> None:
    """Add documents (.md, .txt, .html, .pdf; files or folders) to the knowledge base.

    Unchanged files are skipped, changed files replace their old version, and a file that
    cannot be read changes nothing; the others still go in. Exit code 1 if any file was refused.

    \b
    Examples:
      corridor ingest reports/
      corridor ingest update.pdf --title "Corridor update" --published 2024-12-20
    """
    asst = _assistant()
    try:
        report = asst.ingest(
            list(paths),
            title=title,
            published=published,
            url=url,
            progress=not json_,
            follow_symlinks=follow_symlinks,
        )
    except CorridorError as exc:
        _fail(str(exc))
    if json_:
        click.echo(_json(report.to_dict()))
    else:
        for path, reason in report.refused:
            _echo(f"Refused: {reason}", err=True)
        _echo(report.summary())
    if report.refused:
        sys.exit(1)


@cli.command()
@click.option("--json", "json_", is_flag=True, help="Print the list as JSON.")
def sources(json_: bool) -> None:
    """List indexed sources: id, date, chunks and title."""
    asst = _assistant()
    try:
        infos = asst.sources()
    except CorridorError as exc:
        _fail(str(exc))
    if json_:
        click.echo(_json([i.to_dict() for i in infos]))
        return
    width = max((len(i.id) for i in infos), default=2)
    click.echo(f"{'ID':<{width}}  {'PUBLISHED':<10}  {'CHUNKS':>6}  TITLE")
    for i in infos:
        _echo(f"{i.id:<{width}}  {i.published or '-':<10}  {i.chunks:>6}  {i.title}")


@cli.command()
@click.argument("source_id")
def remove(source_id: str) -> None:
    """Remove one ingested source (see `corridor sources` for ids)."""
    asst = _assistant()
    try:
        info = asst.remove(source_id)
    except CorridorError as exc:
        _fail(str(exc))
    _echo(f"Removed {info.id} ({info.chunks} chunks): {info.title}")


@cli.command(name="eval")
@click.argument("fixtures", type=click.Path(dir_okay=False, path_type=str))
@click.option("-k", "--k", "k", type=int, default=None, help="Passages to answer from (and hit@k).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, writable=True), help="Write the full report here.")
@click.option("--min-accuracy", type=float, default=None, help="Exit 1 if answer accuracy is below this (0-1).")
@click.option(
    "--max-wrong-rate",
    type=float,
    default=None,
    help="Exit 1 if the share of answerable questions answered wrongly is above this (0-1).",
)
@click.option(
    "--ablate",
    is_flag=True,
    help="Also compare dense-only, BM25-only, hybrid with the hand-written facts and without any.",
)
@click.option("-v", "--verbose", is_flag=True, help="Print every case, not only failures.")
@click.option("--llm", metavar="ollama:MODEL|openai:MODEL", help="Evaluate LLM-phrased answers instead.")
def eval_(
    fixtures: str,
    k: int | None,
    json_path: str | None,
    min_accuracy: float | None,
    max_wrong_rate: float | None,
    ablate: bool,
    verbose: bool,
    llm: str | None,
):
    """Score the assistant on a fixture file (YAML or JSON; format in tests/fixtures/README.md).

    \b
    Examples:
      corridor eval tests/fixtures/core.yaml --min-accuracy 0.85 --max-wrong-rate 0.1
      corridor eval my-questions.yaml --ablate --json report.json
    """
    from assistant.evaluation import ablate as run_ablation
    from assistant.evaluation import evaluate, kinds_table, llm_table, load_cases, metrics_table

    if k is not None and k <= 0:
        _fail(f"-k must be greater than 0. Currently, k is {k}", 2)
    if min_accuracy is not None and not 0 <= min_accuracy <= 1:
        _fail(f"--min-accuracy must be between 0 and 1. Currently, it is {min_accuracy}", 2)
    if max_wrong_rate is not None and not 0 <= max_wrong_rate <= 1:
        _fail(f"--max-wrong-rate must be between 0 and 1. Currently, it is {max_wrong_rate}", 2)
    try:
        cases = load_cases(fixtures)
        asst = _assistant(llm=llm)
        _quiet_llm_log()  # each fallback's reason is counted in the report, not warned about
        reports = run_ablation(asst, cases, k=k) if ablate else [evaluate(asst, cases, k=k)]
        if asst.settings.llm:  # the baseline: the same cases, the same index, answered extractively
            reports.append(
                evaluate(_assistant(settings=replace(asst.settings, llm=None)), cases, k=k, name="extractive")
            )
    except CorridorError as exc:
        _fail(str(exc), 2 if type(exc).__name__ == "FixtureError" else 1)
    main = next(r for r in reports if r.name == "hybrid")
    for r in main.results:
        if verbose or not r.passed:
            mark = "PASS" if r.passed else "FAIL"
            _echo(f"{mark} {r.id} ({r.latency_ms:.0f} ms): {r.reason}")
            if not r.passed:
                _echo(f"     Q: {r.question}\n     A: {r.answer[:200]}")
    click.echo()
    click.echo(metrics_table(reports))
    if kinds_table(main):
        click.echo("\n" + kinds_table(main))
    if asst.settings.llm:
        click.echo("\n" + llm_table(main, reports[-1]))
    passed = sum(r.passed for r in main.results)
    click.echo(f"\n{passed}/{len(main.results)} cases passed; answer accuracy {main.metrics['answer_accuracy']:.3f}")
    if json_path:
        payload = {"reports": [r.to_dict() for r in reports]}
        Path(json_path).write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
    if min_accuracy is not None and main.metrics["answer_accuracy"] < min_accuracy:
        click.echo(f"Error: answer accuracy {main.metrics['answer_accuracy']:.3f} is below {min_accuracy}", err=True)
        sys.exit(1)
    wrong = main.metrics["wrong_answer_rate"]
    if max_wrong_rate is not None and wrong is not None and wrong > max_wrong_rate:
        click.echo(f"Error: wrong-answer rate {wrong:.3f} is above {max_wrong_rate}", err=True)
        sys.exit(1)


@cli.command()
@click.option("--json", "json_", is_flag=True, help="Print the results as JSON instead of Markdown tables.")
@click.option("--quick", is_flag=True, help="Small sizes: a smoke run in a few minutes.")
@click.option(
    "--scale",
    "sizes",
    type=click.IntRange(min=1000),
    multiple=True,
    metavar="N",
    help="Also measure an index of N synthetic chunks (repeatable; default 10000).",
)
@click.option(
    "--compare-int8",
    "int8_fixtures",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    metavar="FIXTURES_DIR",
    help="Only compare retrieval of fp32 and int8 ONNX on a fixtures folder (docs/ and *.yaml).",
)
def bench(json_: bool, quick: bool, sizes: tuple[int, ...], int8_fixtures: Path | None) -> None:
    """Measure speed against its floor: cold start, warm latency, ingestion, index size, memory.

    Uses its own temporary data dirs; takes several minutes (more with large --scale sizes).

    \b
    Examples:
      corridor bench
      corridor bench --scale 10000 --scale 100000 --json
    """
    import tempfile

    from assistant import Assistant
    from assistant.bench import markdown, quantization, run

    if int8_fixtures:
        rows = quantization(int8_fixtures)
        click.echo(json.dumps(rows, indent=2))
        return
    with tempfile.TemporaryDirectory() as tmp:
        try:
            results = run(
                lambda d: Assistant(data_dir=d),
                Path(tmp) / "data",
                quick=quick,
                progress=lambda m: click.echo(m, err=True),
                sizes=sizes or None,
            )
        except CorridorError as exc:
            _fail(str(exc))
    click.echo(json.dumps(results, indent=2) if json_ else markdown(results))


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=7860, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--share", type=click.Choice(["no", "yes"]), default="no", show_default=True, help="Gradio share link.")
@click.option(
    "--auth-file",
    type=click.Path(dir_okay=False, path_type=str),
    help="File of user:password lines (chmod 600). Sign-in is required off loopback.",
)
@click.option(
    "--auth",
    metavar="USER:PASSWORD",
    help="Discouraged: other local users see it in `ps`. Use --auth-file or CORRIDOR_AUTH.",
)
@click.option("--admin", "admins", multiple=True, metavar="USER", help="User who may upload and remove documents.")
@click.option("--allow-upload", is_flag=True, help="Let the browser add documents without sign-in (loopback only).")
@click.option(
    "--allowed-host",
    "allowed_hosts",
    multiple=True,
    metavar="NAME",
    help="Host name a reverse proxy forwards (or CORRIDOR_ALLOWED_HOSTS, comma-separated).",
)
@click.option("--max-upload-mb", type=click.IntRange(1, 50), default=20, show_default=True, help="Size limit per file.")
@click.option("--llm", metavar="ollama:MODEL|openai:MODEL", help="Let an LLM phrase answers (checked against sources).")
def serve(
    host: str,
    port: int,
    share: str,
    auth_file: str | None,
    auth: str | None,
    admins: tuple[str, ...],
    allow_upload: bool,
    allowed_hosts: tuple[str, ...],
    max_upload_mb: int,
    llm: str | None,
) -> None:
    """Start the web chat (Gradio) and print its URL. The index is built or refreshed on start.

    Binds 127.0.0.1 by default. Serving on any other address exposes the chat to your network,
    so it then requires sign-in: --auth-file FILE (user:password lines) or CORRIDOR_AUTH=user:password.
    With sign-in, admins (--admin, or the only user) may upload and remove documents in the browser.

    \b
    Examples:
      corridor serve
      corridor serve --allow-upload
      corridor serve --host 0.0.0.0 --auth-file ~/.config/corridor/users --admin alice
    """
    credentials = _serve_credentials(auth_file, auth)
    loopback = _is_loopback(host)
    if not loopback and not credentials:
        _fail(f"serving on {host} exposes the chat beyond this computer: add --auth-file FILE (user:password lines)", 2)
    if share == "yes" and not credentials:
        _fail("--share yes publishes a public link: add --auth-file FILE (user:password lines)", 2)
    if allow_upload and not credentials and not loopback:
        _fail("--allow-upload without sign-in is for loopback only", 2)
    users = {u for u, _ in credentials}
    unknown = sorted(set(admins) - users)
    if unknown:
        _fail(f"--admin names a user with no password: {', '.join(unknown)}", 2)
    try:
        from ui.app import ServeOptions, launch
    except ImportError as exc:
        _fail(f"the web chat needs its extra: pip install 'corridor-assistant[ui]' ({exc.name} is missing)")
    if credentials:  # with sign-in: admins upload; the only user is the admin unless others are named
        admin_set = frozenset(admins) if admins else (frozenset(users) if len(users) == 1 else frozenset())
        options = ServeOptions(upload_enabled=bool(admin_set), admins=admin_set, max_file_bytes=max_upload_mb << 20)
    else:
        options = ServeOptions(upload_enabled=allow_upload, admins=None, max_file_bytes=max_upload_mb << 20)
    env_hosts = tuple(h for h in os.environ.get("CORRIDOR_ALLOWED_HOSTS", "").split(",") if h.strip())
    asst = _assistant(llm=llm)
    try:
        launch(
            asst,
            host=host,
            port=port,
            auth=credentials or None,
            share=share == "yes",
            options=options,
            allowed_hosts=allowed_hosts + env_hosts,
        )
    except CorridorError as exc:
        _fail(str(exc))


def _serve_credentials(auth_file: str | None, auth: str | None) -> list[tuple[str, str]]:
    """Sign-in users from --auth-file, else CORRIDOR_AUTH, else --auth (with a warning)."""
    from ui.security import AuthConfigError, load_auth_file, parse_credentials

    try:
        if auth_file:
            return load_auth_file(auth_file)
        if os.environ.get("CORRIDOR_AUTH"):
            return parse_credentials(os.environ["CORRIDOR_AUTH"], "CORRIDOR_AUTH")
        if auth:
            pairs = parse_credentials(auth, "--auth")
            click.echo(
                "Warning: a password on the command line is visible to other users (ps); "
                "use --auth-file or CORRIDOR_AUTH.",
                err=True,
            )
            return pairs
    except AuthConfigError as exc:
        _fail(str(exc), 2)
    return []


@cli.command()
def chat() -> None:
    """Chat in the terminal (follow-up questions understood). Ctrl-D or 'exit' to leave."""
    asst = _assistant()
    try:
        asst.warm_up()
    except CorridorError as exc:
        _fail(str(exc))
    click.echo("Ask about the New International Land-Sea Trade Corridor. Ctrl-D or 'exit' to leave.")
    history: list[tuple[str, str]] = []
    while True:
        try:
            question = input("\n> ").strip()
        except (EOFError, KeyboardInterrupt):
            click.echo()
            return
        if question.lower() in {"exit", "quit"}:
            return
        if not question:
            continue
        try:
            ans = asst.ask(question, history=history)
        except CorridorError as exc:
            _echo(f"Error: {exc}", err=True)
            continue
        _print_answer(ans)
        history.append((question, ans.text))


def main() -> None:
    cli(prog_name="corridor")


if __name__ == "__main__":
    main()
