"""The evaluation harness: fixture parsing, metric arithmetic worked out by hand, and the CLI gate."""

import json

import pytest
from click.testing import CliRunner

from assistant.cli import cli
from assistant.evaluation import CaseResult, EvalReport, FixtureError, llm_table, metrics_for, normalize, parse_cases


def result(id_, passed, *, unanswerable=False, abstained=False, citation_ok=None, rank=None, ms=10.0):
    return CaseResult(id_, "q", passed, "", "a", abstained, unanswerable, citation_ok, rank, ms)


def test_metrics_by_hand():
    results = [
        result("a", True, citation_ok=True, rank=1, ms=10),
        result("b", False, citation_ok=False, rank=3, ms=20),
        result("c", False, abstained=True, citation_ok=False, rank=None, ms=30),
        result("u1", True, unanswerable=True, abstained=True, ms=40),
        result("u2", False, unanswerable=True, abstained=False, ms=50),
    ]
    m = metrics_for(results, k=2)
    assert m["answer_accuracy"] == 0.4  # 2 of 5
    assert m["answerable_accuracy"] == round(1 / 3, 4)
    assert m["citation_accuracy"] == round(1 / 3, 4)
    assert m["retrieval_hit@2"] == round(1 / 3, 4)  # only "a" has its evidence at rank <= 2
    assert m["retrieval_mrr"] == round((1 + 1 / 3) / 3, 4)
    assert m["abstention_precision"] == 0.5  # abstained on c (answerable) and u1
    assert m["abstention_recall"] == 0.5
    assert m["latency_p50_ms"] == 30


def test_llm_grounding_metrics_by_hand():
    """With an LLM: the share of its answers that passed the grounding check, their accuracy
    beside the extractive answers to the same cases, and the fallback reasons counted by kind."""
    from dataclasses import replace

    timeout = "LLM unavailable (APITimeoutError: Request timed out.); showing the extractive answer"
    name = "LLM answer failed verification: “Malaysia” is not in the cited passages [1]; showing the extractive answer"
    llm = [
        replace(result("a", True), grounding="verified"),
        replace(result("b", False), grounding="verified"),
        replace(result("c", True), grounding="fallback", fallback_reason=name),
        replace(result("d", False), grounding="fallback", fallback_reason=timeout),
        replace(result("e", True), grounding="fallback", fallback_reason=name),
    ]
    m = metrics_for(llm, k=2)
    assert m["llm_cases"] == 5 and m["grounding_pass_rate"] == 0.4 and m["verified_accuracy"] == 0.5
    assert m["fallback:name not in the cited passages"] == 2 and m["fallback:unavailable (APITimeoutError)"] == 1
    assert "grounding_pass_rate" not in metrics_for([result("a", True)], k=2)  # extractive: no such metric
    none_verified = metrics_for([replace(result("f", True), grounding="fallback", fallback_reason=timeout)], k=2)
    assert none_verified["verified_accuracy"] is None  # nothing to score, not 0% right
    extractive = [result(i, ok) for i, ok in zip("abcde", (True, True, True, False, True), strict=True)]
    table = llm_table(EvalReport(llm, m), EvalReport(extractive, metrics_for(extractive, k=2), name="extractive"))
    assert "| all cases | 5 | 0.600 | 0.800 |" in table
    assert "| LLM answer verified | 2 | 0.500 | 1.000 |" in table
    assert "| fell back to extractive | 3 | 0.667 | 0.667 |" in table
    assert "Grounding pass rate: 0.400 (2/5)" in table and "| name not in the cited passages | 2 |" in table


def test_matching_ignores_case_separators_and_quotes():
    assert normalize("Osell’s 5,000 TALENTS") == normalize("osell's 5000 talents")


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ({"id": "x"}, "list of cases"),
        ([{"id": "a"}], "has no question"),
        ([{"id": "a", "question": "Q?"}], "expects nothing"),
        ([{"id": "a", "question": "Q?", "unanswerable": True}] * 2, "duplicate case id"),
    ],
)
def test_bad_fixtures_are_refused(items, message):
    with pytest.raises(FixtureError, match=message):
        parse_cases(items)


NEW_FIXTURE = """
- id: kinds-of-logistics
  question: "Name the logistics organization types the corridor has formed."
  expect_all: ["rail-sea", "cross-border road"]
  evidence: "cross-border road transport"
- id: percent-indonesia
  question: "Which percentage of the channel's value is Indonesian trade?"
  expect_any: ["12"]
  evidence: "12%"
- id: tourist-numbers
  question: "How many tourists visited Chongqing in 2022?"
  unanswerable: true
"""


def test_cli_eval_on_a_file_it_has_never_seen(assistant, tmp_path):
    fixture = tmp_path / "new.yaml"
    fixture.write_text(NEW_FIXTURE)
    out = tmp_path / "report.json"
    runner = CliRunner()
    ok = runner.invoke(cli, ["eval", str(fixture), "--min-accuracy", "0.6", "--json", str(out)])
    assert ok.exit_code == 0, ok.output
    assert "| hybrid |" in ok.output and "answer acc" in ok.output
    report = json.loads(out.read_text())["reports"][0]
    assert report["metrics"]["cases"] == 3 and report["primary_metric"] == "answer_accuracy"

    strict = runner.invoke(cli, ["eval", str(fixture), "--min-accuracy", "1.01"])
    assert strict.exit_code == 2  # out of range
    bad = tmp_path / "bad.yaml"
    bad.write_text("- id: x\n  question: [unclosed\n")
    broken = runner.invoke(cli, ["eval", str(bad)])
    assert broken.exit_code == 2 and "Error:" in broken.output and "Traceback" not in broken.output


def test_cli_eval_gates_on_the_wrong_answer_rate(assistant, tmp_path):
    fixture = tmp_path / "wrong.yaml"  # an expectation the article contradicts: answering it counts as wrong
    fixture.write_text(
        "- id: vietnam-share\n  question: \"What share of the corridor's trade value is Vietnam's?\"\n"
        '  expect_any: ["99%"]\n'
    )
    runner = CliRunner()
    gated = runner.invoke(cli, ["eval", str(fixture), "--max-wrong-rate", "0.5"])
    assert gated.exit_code == 1 and "wrong-answer rate 1.000 is above 0.5" in gated.output
    assert runner.invoke(cli, ["eval", str(fixture), "--max-wrong-rate", "1"]).exit_code == 0
    assert runner.invoke(cli, ["eval", str(fixture), "--max-wrong-rate", "-0.1"]).exit_code == 2


def test_ablation_compares_retrievers(assistant, tmp_path):
    fixture = tmp_path / "new.yaml"
    fixture.write_text(NEW_FIXTURE)
    result = CliRunner().invoke(cli, ["eval", str(fixture), "--ablate"])
    assert result.exit_code == 0
    for variant in ("| dense |", "| bm25 |", "| hybrid |", "| hybrid-hand-facts |", "| hybrid-no-facts |"):
        assert variant in result.output


def test_wrong_answers_and_false_abstentions_are_counted_apart():
    from assistant.evaluation import CaseResult, metrics_for

    def result(passed, abstained, unanswerable=False, kind="fact"):
        return CaseResult("x", "q", passed, "", "", abstained, unanswerable, None, None, 1.0, kind=kind)

    results = [
        result(True, False),  # right
        result(False, False),  # wrong answer
        result(False, True),  # false abstention
        result(True, False, kind="list"),
        result(True, True, unanswerable=True, kind="unanswerable"),
        result(False, False, unanswerable=True, kind="unanswerable"),  # answered the unanswerable
    ]
    m = metrics_for(results, k=5)
    assert m["answerable_accuracy"] == 0.5  # 2 of 4 answerable
    assert m["wrong_answer_rate"] == 0.25  # 1 of 4 answerable answered wrongly
    assert m["false_abstention_rate"] == 0.25
    assert m["abstention_recall"] == 0.5
    assert (m["kind:fact"], m["kind:fact:cases"], m["kind:list"]) == (round(1 / 3, 4), 3, 1.0)


def test_yes_no_and_whole_word_matching():
    from assistant.evaluation import Case, contains, judge
    from assistant.types import Answer

    assert contains("Thailand's share is 6%.", "6%") and not contains("It was 16%.", "6%")
    assert not contains("Keep your eyes open", "yes")
    case = Case("c", "Was it held in Nanning?", expect_start="Yes", expect_any=("Nanning",))
    assert judge(case, Answer("q", "Yes. It was held in Nanning. [1]", False))[0]
    assert not judge(case, Answer("q", "No. It was held in Nanning. [1]", False))[0]
