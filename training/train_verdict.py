"""Fit the yes/no verdict model: P(the verdict a sentence is read to give is right).

Data: every polar question of the training sets (`train_confidence.TRAIN_SETS`) and of the yes/no
sets written for this (`yesno3` ... `yesno10`: 480 questions about the training encyclopedia
documents, 5 in 12 confirmed by them, 5 in 12 contradicted in varied ways, 2 in 12 undecided).
Each of the best `verdict_depth` candidates the answerer reads for a question, where
`rule_verdict` reads a verdict from it, is one row: right when that is the question's answer and
the candidate holds its expected evidence. Undecided (unanswerable) questions make every row wrong.

One logistic regression per verdict over `assistant.verdict.VERDICT_FEATURES`, written to
`assistant/verdict.json`, read with numpy alone. `--cv` reports, per threshold, how many polar
questions each set gets right and wrong when the model is fitted without that set, beside the
reading it calibrates taken at fixed probability floors (what the answerer did before); `--held-out`
also scores the held-out and retired sets, which are never fitted on.

    python -m training.train_verdict              # fit, write assistant/verdict.json
    python -m training.train_verdict --cv --held-out
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from assistant.verdict import (
    VERDICT_FEATURES,
    VERDICT_WEIGHTS,
    VerdictModel,
    rule_verdict,
    verdict_features,
    verdict_signals,
)
from training.devsets import SETS, assistant_for, cases_for
from training.train_confidence import COMPOSED_KINDS, HELD_OUT_SETS, RETIRED_SETS, TRAIN_SETS, _label, _resolved
from training.train_confidence import fit as fit_logistic

VERDICT_SETS = TRAIN_SETS + tuple(f"yesno{n}" for n in range(3, 11))
THRESHOLDS = (0.4, 0.5, 0.6)
VERDICTS = ("Yes", "No")


def collect(names) -> list[dict]:
    """One entry per polar question with a known answer: its set, the answer ("" when the sources
    do not decide it), and per candidate read, its features, the verdict read from it and which
    verdicts would be right."""
    from assistant.questions import analyze

    questions = []
    for name in names:
        dev = SETS[name]
        asst = assistant_for(dev)
        corpus = asst.corpus()
        answerer = asst._answerer_cached()
        retriever = asst.retriever()
        for case in cases_for(dev):
            answer = "" if case.unanswerable else case.expect_start
            if case.kind in COMPOSED_KINDS or answer not in ("", *VERDICTS):
                continue
            resolved = _resolved(asst, case, corpus)
            if resolved is None:
                continue
            q = analyze(resolved.query, resolved.context, corpus.names)
            if q.form != "yesno":
                continue
            scored = answerer.ranked(answerer.scored(q, retriever.invoke(resolved.search_text), corpus), corpus)
            if not scored:
                continue
            rows = []
            for depth, cand in enumerate(scored[: answerer.verdict_depth]):
                signals = verdict_signals(q, cand)
                rows.append(
                    {
                        "features": verdict_features(signals, cand, depth),
                        "rule": rule_verdict(signals),
                        "prob": cand.prob,
                        "right": {v: int(answer == v and _label(case, cand.text)) for v in VERDICTS},
                    }
                )
            questions.append({"set": name, "id": case.id, "answer": answer, "rows": rows})
    return questions


def fit(questions: list[dict], c: float = 1.0) -> VerdictModel:
    """Per verdict, a logistic regression on the rows that read it."""
    models = {}
    for verdict in VERDICTS:
        rows = [r for q in questions for r in q["rows"] if r["rule"] == verdict]
        x = np.array([[r["features"][f] for f in VERDICT_FEATURES] for r in rows])
        y = np.array([r["right"][verdict] for r in rows])
        models[verdict] = fit_logistic(x, y, None, c, features=VERDICT_FEATURES)
    return VerdictModel(models["Yes"], models["No"])


def decide(model: VerdictModel, question: dict, threshold: float) -> str:
    """ "right", "wrong" or "none" (the sources don't say, for a question they decide), as the
    answerer decides: the read verdict most probably right, when it is probable enough."""
    options = [
        (model.probability(r["rule"], r["features"]), -depth, r["right"][r["rule"]])
        for depth, r in enumerate(question["rows"])
        if r["rule"]
    ]
    if not options or max(options)[0] < threshold:
        return "right" if question["answer"] == "" else "none"
    return "right" if max(options)[2] else "wrong"  # ties go to the better-ranked candidate, as in the answerer


def decide_by_floors(question: dict, contradiction_floor: float = 0.35, min_confidence: float = 0.55) -> str:
    """The same reading taken at fixed floors of the candidate's probability, as the answerer
    did before the model: the best candidate's verdict, or a "No" from one of the next ones."""
    rows = question["rows"]
    best = rows[0]
    verdict = best["rule"] if best["prob"] >= contradiction_floor else None
    chosen = best
    if verdict is None:
        chosen = next((r for r in rows[1:] if r["prob"] >= contradiction_floor and r["rule"] == "No"), None)
        verdict = "No" if chosen else None
    if verdict is None or (verdict == "Yes" and best["prob"] < min_confidence):
        return "right" if question["answer"] == "" else "none"
    return "right" if chosen["right"][verdict] else "wrong"


def _tally(outcomes: list[str]) -> str:
    return f"{outcomes.count('right')}/{len(outcomes)} right, {outcomes.count('wrong')} wrong"


def report(model_for, questions: list[dict], label: str) -> None:
    print(f"\n{label} ({len(questions)} polar questions)")
    print(f"  fixed floors     {_tally([decide_by_floors(q) for q in questions])}")
    for t in THRESHOLDS:
        print(f"  model @{t:<9} {_tally([decide(model_for(q), q, t) for q in questions])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv", action="store_true", help="leave-one-set-out figures; write nothing")
    parser.add_argument("--held-out", action="store_true", help="also score the held-out and retired sets")
    args = parser.parse_args()
    questions = collect(VERDICT_SETS)
    full = fit(questions)
    if args.cv:
        sets = sorted({q["set"] for q in questions})
        by_set = {s: fit([q for q in questions if q["set"] != s]) for s in sets}
        report(lambda q: by_set[q["set"]], questions, "training sets, each scored by a model fitted without it")
    if args.held_out:
        unseen = collect(HELD_OUT_SETS + tuple(n for n in RETIRED_SETS if n.startswith("retired")))
        report(lambda q: full, unseen, "held-out and retired sets (never fitted on)")
    if not args.cv:
        VERDICT_WEIGHTS.write_text(json.dumps(full.to_dict(), indent=1) + "\n", encoding="utf-8")
        print(f"wrote {VERDICT_WEIGHTS} from {len(questions)} polar questions")


if __name__ == "__main__":
    main()
