"""`corridor`: the command line. It parses, calls the public API, prints; no logic lives here.

Heavy libraries load only inside commands, so `corridor --help` stays fast.
"""

from __future__ import annotations

import json
import sys

import click

from assistant.errors import CorridorError, InvalidQuestionError


def _fail(message: str, code: int = 1) -> None:
    """One line on stderr and a non-zero exit: users never see a traceback."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def _assistant(**kwargs):
    from assistant import Assistant

    try:
        return Assistant(**kwargs)
    except CorridorError as exc:
        _fail(str(exc))


def _print_answer(ans) -> None:
    click.echo(ans.text)
    if ans.citations:
        click.echo("\nSources:")
        for c in ans.citations:
            meta = ", ".join(x for x in (c.publisher, c.published) if x)
            click.echo(f"  [{c.n}] {c.title}" + (f" ({meta})" if meta else "") + (f" {c.url}" if c.url else ""))
            click.echo(f"      “{c.quote}”")


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
@click.option("--rebuild", is_flag=True, help="Drop the index and embed everything again.")
def index(rebuild: bool) -> None:
    """Build the index, or refresh it if the knowledge, model or chunking changed.

    \b
    Example:
      corridor index
    """
    asst = _assistant()
    try:
        report = asst.index(rebuild=rebuild, progress=True)
    except CorridorError as exc:
        _fail(str(exc))
    if report.rebuilt:
        click.echo(f"Indexed {report.embedded} chunks from {report.sources} source(s) ({report.reason}).")
    else:
        click.echo("Index is up to date (nothing to embed).")
    click.echo(
        f"Data dir: {asst.settings.data_dir}"
        if not asst.settings.chroma_url
        else f"Chroma server: {asst.settings.chroma_url}"
    )


@cli.command()
@click.argument("question")
@click.option("--json", "json_", is_flag=True, help="Print the answer as JSON (Answer.to_dict()).")
@click.option("-k", "--top-k", "k", type=int, default=None, help="Passages to answer from.")
def ask(question: str, json_: bool, k: int | None) -> None:
    """Answer QUESTION with numbered, verbatim citations.

    \b
    Example:
      corridor ask "Who founded Osell?"
    """
    if k is not None and k <= 0:
        _fail(f"-k must be greater than 0. Currently, k is {k}", 2)
    asst = _assistant()
    try:
        asst.validate(question)
        ans = asst.ask(question, k=k)
    except InvalidQuestionError as exc:
        _fail(str(exc), 2)
    except CorridorError as exc:
        _fail(str(exc))
    if json_:
        click.echo(json.dumps(ans.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_answer(ans)


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
            click.echo(f"Error: {exc}", err=True)
            continue
        _print_answer(ans)
        history.append((question, ans.text))


def main() -> None:
    cli(prog_name="corridor")


if __name__ == "__main__":
    main()
