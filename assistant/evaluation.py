"""Evaluate the assistant on a fixture file: answer accuracy, citations, retrieval, abstention, latency.

Fixture format (YAML or JSON): a list of cases, each a mapping with
`id`, `question`, optional `kind`, `history` (earlier questions, oldest first), `expect_any`,
`expect_all`, `expect_start` (what the answer must begin with: "Yes"/"No"), `evidence` (a string
some citation quote must contain) and `unanswerable: true`.
Matching is case-insensitive, on whole words, and ignores thousands separators.

A wrong answer is worse than an abstention, so both are reported apart: `wrong_answer_rate`
(answerable cases answered, but wrongly) and `false_abstention_rate` (answerable cases abstained).

>>> from assistant import Assistant                                     # doctest: +SKIP
>>> from assistant.evaluation import evaluate, load_cases               # doctest: +SKIP
>>> report = evaluate(Assistant(), load_cases("tests/fixtures/core.yaml"))  # doctest: +SKIP
>>> report.metrics["answer_accuracy"]                                   # doctest: +SKIP
"""

from __future__ import annotations

import json
import re
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path

from assistant.errors import CorridorError


class FixtureError(CorridorError):
    """A fixture file that cannot be read or does not follow the format."""


@dataclass(frozen=True)
class Case:
    id: str
    question: str
    history: tuple[str, ...] = ()
    expect_any: tuple[str, ...] = ()
    expect_all: tuple[str, ...] = ()
    evidence: str = ""
    unanswerable: bool = False
    kind: str = ""
    expect_start: str = ""


@dataclass(frozen=True)
class CaseResult:
    id: str
    question: str
    passed: bool
    reason: str
    answer: str
    abstained: bool
    unanswerable: bool
    citation_ok: bool | None
    retrieval_rank: int | None  # 1-based rank of the first retrieved chunk holding the evidence
    latency_ms: float
    citations: list[dict] = field(default_factory=list)
    kind: str = ""
    confidence: float = 0.0
    grounding: str = "extractive"  # "verified" / "fallback" when an LLM answered (see assistant.llm)
    fallback_reason: str = ""  # why the LLM's answer was not used


@dataclass
class EvalReport:
    """Per-case results plus a flat metrics dict; `primary_metric` is what `--min-accuracy` gates."""

    results: list[CaseResult]
    metrics: dict[str, float]
    name: str = "hybrid"
    primary_metric: str = "answer_accuracy"

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "primary_metric": self.primary_metric,
            "metrics": self.metrics,
            "results": [asdict(r) for r in self.results],
        }


def normalize(text: str) -> str:
    """Lowercase, straight quotes, no thousands separators, single spaces."""
    text = text.lower().replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    return re.sub(r"\s+", " ", text).strip()


def contains(text: str, expected: str) -> bool:
    """`expected` occurs in `text` as whole words ("62%" is not found in "162%", "yes" not in "eyes")."""
    needle = normalize(expected)
    if not needle:
        return True
    left = r"(?<![\w])" if needle[0].isalnum() else ""
    right = r"(?![\w])" if needle[-1].isalnum() else ""
    return re.search(left + re.escape(needle) + right, normalize(text)) is not None


def _strings(value, field_name: str, case_id: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return tuple(str(v) for v in value)
    raise FixtureError(f"case {case_id!r}: {field_name} must be a string or a list of strings")


def parse_cases(items: object, origin: str = "fixtures") -> list[Case]:
    if not isinstance(items, list):
        raise FixtureError(f"{origin}: expected a list of cases at the top level")
    cases, seen = [], set()
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise FixtureError(f"{origin}: case #{i + 1} is not a mapping")
        case_id = str(item.get("id") or f"case-{i + 1}")
        question = item.get("question")
        if not isinstance(question, str) or not question.strip():
            raise FixtureError(f"{origin}: case {case_id!r} has no question")
        if case_id in seen:
            raise FixtureError(f"{origin}: duplicate case id {case_id!r}")
        seen.add(case_id)
        case = Case(
            id=case_id,
            question=question,
            history=_strings(item.get("history"), "history", case_id),
            expect_any=_strings(item.get("expect_any"), "expect_any", case_id),
            expect_all=_strings(item.get("expect_all"), "expect_all", case_id),
            evidence=str(item.get("evidence") or ""),
            unanswerable=bool(item.get("unanswerable", False)),
            kind=str(item.get("kind") or ""),
            expect_start=str(item.get("expect_start") or ""),
        )
        if not case.unanswerable and not (case.expect_any or case.expect_all or case.evidence or case.expect_start):
            raise FixtureError(f"{origin}: case {case_id!r} expects nothing (add expect_any or unanswerable: true)")
        cases.append(case)
    return cases


def load_cases(path: str | Path) -> list[Case]:
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FixtureError(f"cannot read fixture file {path}: {exc.__class__.__name__}") from exc
    try:
        if path.suffix.lower() == ".json":
            items = json.loads(raw)
        else:
            import yaml

            items = yaml.safe_load(raw)
    except ValueError as exc:  # yaml.YAMLError and json errors both derive from ValueError? not yaml
        raise FixtureError(f"{path} is not valid JSON/YAML: {exc}".splitlines()[0]) from exc
    except Exception as exc:  # yaml.YAMLError
        raise FixtureError(f"{path} is not valid YAML: {exc}".splitlines()[0]) from exc
    return parse_cases(items, str(path))


def judge(case: Case, answer) -> tuple[bool, str, bool | None, int | None]:
    """(passed, reason, citation_ok, retrieval_rank) for one answered case."""
    evidence = normalize(case.evidence) if case.evidence else ""
    rank = None
    if evidence:
        for i, r in enumerate(answer.retrieved):
            if evidence in normalize(r.quote) or evidence in normalize(r.text):
                rank = i + 1
                break
    if case.unanswerable:
        return (answer.abstained, "abstained" if answer.abstained else "answered an unanswerable question", None, rank)
    if answer.abstained:
        return False, "abstained", False if evidence else None, rank
    missing_all = [e for e in case.expect_all if not contains(answer.text, e)]
    any_ok = not case.expect_any or any(contains(answer.text, e) for e in case.expect_any)
    citation_ok = None
    if evidence:
        citation_ok = any(evidence in normalize(c.quote) for c in answer.citations)
    if case.expect_start and not normalize(answer.text).startswith(normalize(case.expect_start)):
        return False, f"does not start with {case.expect_start!r}", citation_ok, rank
    if not any_ok:
        return False, f"none of {list(case.expect_any)} in answer", citation_ok, rank
    if missing_all:
        return False, f"missing {missing_all}", citation_ok, rank
    if citation_ok is False:
        return False, f"no citation quote holds {case.evidence!r}", citation_ok, rank
    return True, "ok", citation_ok, rank


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def metrics_for(results: list[CaseResult], k: int) -> dict[str, float]:
    answerable = [r for r in results if not r.unanswerable]
    unanswerable = [r for r in results if r.unanswerable]
    with_evidence = [r for r in answerable if r.citation_ok is not None]
    ranked = with_evidence  # retrieval metrics need evidence to look for
    abstained = [r for r in results if r.abstained]
    latencies = [r.latency_ms for r in results]
    safe = lambda num, den: round(num / den, 4) if den else 0.0  # noqa: E731
    by_kind: dict[str, list[CaseResult]] = {}
    for r in results:
        if r.kind:
            by_kind.setdefault(r.kind, []).append(r)
    return {
        "answer_accuracy": safe(sum(r.passed for r in results), len(results)),
        "answerable_accuracy": safe(sum(r.passed for r in answerable), len(answerable)),
        "wrong_answer_rate": safe(sum(not r.passed and not r.abstained for r in answerable), len(answerable)),
        "false_abstention_rate": safe(sum(r.abstained for r in answerable), len(answerable)),
        "citation_accuracy": safe(sum(bool(r.citation_ok) for r in with_evidence), len(with_evidence)),
        f"retrieval_hit@{k}": safe(
            sum(r.retrieval_rank is not None and r.retrieval_rank <= k for r in ranked), len(ranked)
        ),
        "retrieval_mrr": safe(sum(1 / r.retrieval_rank for r in ranked if r.retrieval_rank), len(ranked)),
        "abstention_precision": safe(sum(r.unanswerable for r in abstained), len(abstained)),
        "abstention_recall": safe(sum(r.abstained for r in unanswerable), len(unanswerable)),
        "latency_p50_ms": round(statistics.median(latencies), 2) if latencies else 0.0,
        "latency_p95_ms": round(_percentile(latencies, 0.95), 2),
        "cases": len(results),
        **{f"kind:{kind}": safe(sum(r.passed for r in rs), len(rs)) for kind, rs in sorted(by_kind.items())},
        **{f"kind:{kind}:cases": len(rs) for kind, rs in sorted(by_kind.items())},
        **_grounding_metrics(results),
    }


def _grounding_metrics(results: list[CaseResult]) -> dict[str, float]:
    """With an LLM: how often its answer passed the grounding check, and why it fell back."""
    asked = [r for r in results if r.grounding in ("verified", "fallback")]
    if not asked:
        return {}
    from assistant.llm import fallback_kind

    verified = [r for r in asked if r.grounding == "verified"]
    reasons: dict[str, int] = {}
    for r in asked:
        if r.grounding == "fallback":
            kind = fallback_kind(r.fallback_reason)
            reasons[kind] = reasons.get(kind, 0) + 1
    return {
        "llm_cases": len(asked),
        "grounding_pass_rate": round(len(verified) / len(asked), 4),
        "verified_accuracy": round(sum(r.passed for r in verified) / len(verified), 4) if verified else None,
        **{f"fallback:{kind}": n for kind, n in sorted(reasons.items(), key=lambda x: (-x[1], x[0]))},
    }


ABLATIONS = {
    "dense": {"retrieval": "dense"},
    "bm25": {"retrieval": "lexical"},
    "hybrid": {"retrieval": "hybrid"},
    "hybrid-hand-facts": {"retrieval": "hybrid", "use_facts": True},  # with the hand-written facts too
    "hybrid-no-facts": {"retrieval": "hybrid", "use_facts": False},
}


def evaluate(
    assistant, cases: list[Case], k: int | None = None, name: str = "hybrid", ask=None, **ask_options
) -> EvalReport:
    """Run every case through `assistant.ask` (or `ask(question, history=, k=)`) and score it.

    `ask_options` go to `Assistant.ask` (e.g. `retrieval="dense"`, `use_facts=False`).
    """
    if ask is None:

        def ask(question, history, k):
            return assistant.ask(question, history=history, k=k, **ask_options)

    k = k or assistant.settings.top_k
    results = []
    for case in cases:
        history: list[tuple[str, str]] = []
        for previous in case.history:
            history.append((previous, ask(previous, history=list(history), k=k).text))
        ans = ask(case.question, history=history, k=k)
        passed, reason, citation_ok, rank = judge(case, ans)
        results.append(
            CaseResult(
                id=case.id,
                question=case.question,
                passed=passed,
                reason=reason,
                answer=ans.text,
                abstained=ans.abstained,
                unanswerable=case.unanswerable,
                citation_ok=citation_ok,
                retrieval_rank=rank,
                latency_ms=ans.latency_ms,
                citations=[c.to_dict() for c in ans.citations],
                kind=case.kind,
                confidence=ans.confidence,
                grounding=ans.grounding,
                fallback_reason=ans.reason if ans.grounding == "fallback" else "",
            )
        )
    return EvalReport(results, metrics_for(results, k), name=name)


def ablate(assistant, cases: list[Case], k: int | None = None) -> list[EvalReport]:
    """The same cases through dense-only, BM25-only, hybrid (the facts derived at ingest), hybrid
    with the hand-written facts too, and hybrid without any facts."""
    return [evaluate(assistant, cases, k=k, name=name, **options) for name, options in ABLATIONS.items()]


TABLE_METRICS = (
    ("answer_accuracy", "answer acc"),
    ("answerable_accuracy", "answerable acc"),
    ("wrong_answer_rate", "wrong"),
    ("false_abstention_rate", "false abstain"),
    ("citation_accuracy", "citation acc"),
    ("retrieval_hit@k", "hit@k"),
    ("retrieval_mrr", "MRR"),
    ("abstention_precision", "abstain P"),
    ("abstention_recall", "abstain R"),
    ("latency_p50_ms", "p50 ms"),
    ("latency_p95_ms", "p95 ms"),
)


def metrics_table(reports: list[EvalReport]) -> str:
    """One Markdown table, a row per report, so variants compare at a glance."""

    def value(report: EvalReport, key: str) -> str:
        if key == "retrieval_hit@k":
            key = next((m for m in report.metrics if m.startswith("retrieval_hit@")), key)
        v = report.metrics.get(key, 0.0)
        return f"{v:.1f}" if key.startswith("latency") else f"{v:.3f}"

    header = "| variant | " + " | ".join(label for _, label in TABLE_METRICS) + " |"
    rule = "|---|" + "---:|" * len(TABLE_METRICS)
    rows = [f"| {r.name} | " + " | ".join(value(r, key) for key, _ in TABLE_METRICS) + " |" for r in reports]
    return "\n".join([header, rule, *rows])


def kinds_table(report: EvalReport) -> str:
    """Accuracy per question kind (only for fixtures that say each case's kind)."""
    kinds = [k.split(":", 1)[1] for k in report.metrics if k.startswith("kind:") and not k.endswith(":cases")]
    if not kinds:
        return ""
    rows = [f"| {k} | {report.metrics[f'kind:{k}:cases']} | {report.metrics[f'kind:{k}']:.3f} |" for k in kinds]
    return "\n".join(["| kind | cases | accuracy |", "|---|---:|---:|", *rows])


def llm_table(llm: EvalReport, extractive: EvalReport) -> str:
    """The LLM's answers beside the extractive ones on the same cases: all of them, those whose
    LLM answer passed the grounding check, and those that fell back; then the fallback reasons."""
    base = {r.id: r for r in extractive.results}
    groups = [
        ("all cases", llm.results),
        ("LLM answer verified", [r for r in llm.results if r.grounding == "verified"]),
        ("fell back to extractive", [r for r in llm.results if r.grounding == "fallback"]),
    ]

    def acc(rs: list[CaseResult]) -> str:
        return f"{sum(r.passed for r in rs) / len(rs):.3f}" if rs else "-"

    rows = [
        f"| {name} | {len(rs)} | {acc(rs)} | {acc([base[r.id] for r in rs if r.id in base])} |" for name, rs in groups
    ]
    lines = ["| cases | n | LLM accuracy | extractive accuracy |", "|---|---:|---:|---:|", *rows]
    rate = llm.metrics.get("grounding_pass_rate")
    if rate is not None:
        lines.append(f"\nGrounding pass rate: {rate:.3f} ({len(groups[1][1])}/{int(llm.metrics['llm_cases'])})")
    reasons = [(k.split(":", 1)[1], int(v)) for k, v in llm.metrics.items() if k.startswith("fallback:")]
    if reasons:
        lines += ["", "| fallback reason | cases |", "|---|---:|", *(f"| {k} | {n} |" for k, n in reasons)]
    return "\n".join(lines)
