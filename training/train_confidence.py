"""Fit the answerer's confidence model: P(a candidate sentence holds the answer | its features).

Data: the development question sets in `training/devsets.py` (the bundled article's questions,
the repo's fixtures, encyclopedia-style documents written for this, SQuAD 2.0 paragraphs), each
indexed with its documents. Every candidate the answerer would consider for a question is one
row; it is labelled right when it holds the expected answer (every `expect_all` and one of
`expect_any`); candidates of unanswerable questions are all wrong. Questions whose answer must be
composed from several sentences (lists, comparisons, summaries) are left out: no single candidate
can be right for them, which would teach the model that they have no answer.

The model is a logistic regression (scikit-learn), weighted so that every set counts the same;
it is written as a small JSON file of weights (`assistant/confidence.json`) that the answerer
reads without scikit-learn. `--cv` reports how it does on each set when trained on the others.

    python -m training.train_confidence            # fit on every set, write the weights
    python -m training.train_confidence --cv       # leave-one-set-out figures, write nothing
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict

import numpy as np

from assistant.confidence import WEIGHTS_PATH, ConfidenceModel
from assistant.evaluation import contains
from assistant.features import FEATURES, QuestionEvidence, add_relative, measure
from training.devsets import SETS, assistant_for, cases_for

TRAIN_SETS = ("article", "fixtures", "docs-fixtures", "encyclopedia", "encyclopedia2", "squad")
COMPOSED_KINDS = {"list", "comparison", "overview", "two-sentence", "metadata", "non-english", "clarify"}
VERSION = "1"


def _label(case, text: str) -> int:
    if case.unanswerable:
        return 0
    return int(
        all(contains(text, e) for e in case.expect_all)
        and (not case.expect_any or any(contains(text, e) for e in case.expect_any))
    )


def collect(names=TRAIN_SETS, k: int | None = None):
    """Rows (set, question id, feature vector, label) for every candidate of every usable question."""
    from assistant.questions import analyze

    rows = []
    for name in names:
        dev = SETS[name]
        asst = assistant_for(dev)
        corpus = asst.corpus()
        answerer = asst._answerer_cached()
        retriever = asst.retriever(k=k)
        for case in cases_for(dev):
            if case.history or case.kind in COMPOSED_KINDS:
                continue
            q = analyze(case.question, "", corpus.names)
            if q.form in ("metadata",):
                continue
            docs = retriever.invoke(case.question)
            cands = answerer.candidates(docs, corpus)
            if not cands:
                continue
            ev = QuestionEvidence.of(q, corpus)
            best = max(c.dense for c in cands)
            measured = [measure(ev, cand, corpus, best) for cand in cands]
            add_relative(measured)
            for cand, f in zip(cands, measured, strict=True):
                rows.append((name, case.id, [f[n] for n in FEATURES], _label(case, cand.text)))
    return rows


def _arrays(rows):
    sets = np.array([r[0] for r in rows])
    groups = np.array([f"{r[0]}/{r[1]}" for r in rows])
    x = np.array([r[2] for r in rows], dtype=float)
    y = np.array([r[3] for r in rows], dtype=int)
    return sets, groups, x, y


def _weights(sets: np.ndarray) -> np.ndarray:
    """Every set weighs the same in total, whatever its number of rows."""
    counts = {s: (sets == s).sum() for s in np.unique(sets)}
    return np.array([len(sets) / (len(counts) * counts[s]) for s in sets])


def fit(x: np.ndarray, y: np.ndarray, w: np.ndarray, c: float = 1.0) -> ConfidenceModel:
    from sklearn.linear_model import LogisticRegression

    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    clf = LogisticRegression(C=c, max_iter=2000)
    clf.fit((x - mean) / scale, y, sample_weight=w)
    return ConfidenceModel(
        features=FEATURES,
        weights=tuple(float(v) for v in clf.coef_[0]),
        bias=float(clf.intercept_[0]),
        mean=tuple(float(v) for v in mean),
        scale=tuple(float(v) for v in scale),
        version=VERSION,
    )


def top1_report(model: ConfidenceModel, rows, thresholds=(0.3, 0.4, 0.5, 0.6, 0.7)) -> dict:
    """For each question: is the most probable candidate right, and is it confident enough?"""
    by_q = defaultdict(list)
    for name, qid, vec, label in rows:
        by_q[(name, qid)].append((model.probability(dict(zip(FEATURES, vec, strict=True))), label))
    out = {}
    for t in thresholds:
        right = wrong = abstain = 0
        for cands in by_q.values():
            p, label = max(cands)
            if p < t:
                abstain += 1
            elif label:
                right += 1
            else:
                wrong += 1
        n = len(by_q)
        out[t] = (round(right / n, 3), round(wrong / n, 3), round(abstain / n, 3))
    return out


def cached_rows(refresh: bool = False):
    """`collect()` takes minutes; its rows are kept in .data/dev/ until the features change."""
    from training.devsets import ROOT

    path = ROOT / ".data" / "dev" / f"rows-{'-'.join(FEATURES)[:0]}{len(FEATURES)}.json"
    if path.exists() and not refresh:
        data = json.loads(path.read_text())
        if data["features"] == list(FEATURES):
            return [tuple(r) for r in data["rows"]]
    rows = collect()
    path.write_text(json.dumps({"features": list(FEATURES), "rows": rows}))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv", action="store_true", help="leave-one-set-out evaluation; writes nothing")
    parser.add_argument("-C", type=float, default=1.0, help="inverse regularisation strength")
    parser.add_argument("--refresh", action="store_true", help="measure the features again (after changing them)")
    args = parser.parse_args()
    rows = cached_rows(args.refresh)
    sets, _groups, x, y = _arrays(rows)
    print(f"{len(rows)} candidates, {y.sum()} right, from {len({(r[0], r[1]) for r in rows})} questions")
    if args.cv:
        for held in TRAIN_SETS:
            train = sets != held
            model = fit(x[train], y[train], _weights(sets[train]), args.C)
            print(held, "(right, wrong, abstain) by threshold:", top1_report(model, [r for r in rows if r[0] == held]))
        return
    model = fit(x, y, _weights(sets), args.C)
    WEIGHTS_PATH.write_text(json.dumps(model.to_dict(), indent=1) + "\n", encoding="utf-8")
    for name in TRAIN_SETS:
        print(name, "(right, wrong, abstain) by threshold:", top1_report(model, [r for r in rows if r[0] == name]))
    for f, w in sorted(zip(FEATURES, model.weights, strict=True), key=lambda t: -abs(t[1])):
        print(f"  {f:16} {w:+.3f}")


if __name__ == "__main__":
    main()
