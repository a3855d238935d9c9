"""The yes/no verdict model (assistant/verdict.py): the reading proposes, the model says how sure."""

import json

from assistant.features import Candidate
from assistant.questions import analyze
from assistant.verdict import (
    VERDICT_FEATURES,
    VERDICT_WEIGHTS,
    load_verdict_model,
    rule_verdict,
    verdict_features,
    verdict_signals,
)
from index.chunking import IndexedChunk


def candidate(text: str, prob: float, **features: float) -> Candidate:
    chunk = IndexedChunk("c1", "s1", "passage", text, 0, len(text), ((0, len(text)),))
    return Candidate(chunk, text, 0, len(text), dense=0.7, prob=prob, features=features)


def test_the_shipped_model_reads_every_feature_the_answerer_measures():
    data = json.loads(VERDICT_WEIGHTS.read_text(encoding="utf-8"))
    assert data["kind"] == "verdict"
    for verdict in ("yes", "no"):
        assert tuple(data[verdict]["features"]) == VERDICT_FEATURES
    signals = verdict_signals(
        analyze("Was the fair held in Saltmere?"), candidate("The fair was held in Saltmere.", 0.9)
    )
    assert set(verdict_features(signals, candidate("x y z", 0.9), 0)) == set(VERDICT_FEATURES)


def test_a_sentence_more_likely_to_answer_makes_its_verdict_more_likely():
    model = load_verdict_model()
    q = analyze("Was the ninth Harlow Fair held in Kettleford?")
    sentence = "The ninth Harlow Fair was held in Saltmere in May."
    for verdict_read, question in (("No", q), ("Yes", analyze("Was the ninth Harlow Fair held in Saltmere?"))):
        probabilities = []
        for prob in (0.3, 0.6, 0.9):
            cand = candidate(sentence, prob, cov=0.8, cov_rest=1.0, anchors=1.0)
            signals = verdict_signals(question, cand)
            assert rule_verdict(signals) == verdict_read
            probabilities.append(model.probability(verdict_read, verdict_features(signals, cand, 0)))
        assert probabilities == sorted(probabilities) and probabilities[0] < probabilities[-1], probabilities
    assert model.yes.weights[VERDICT_FEATURES.index("prob_logit")] > 0
    assert model.no.weights[VERDICT_FEATURES.index("prob_logit")] > 0


def test_the_reading_names_the_signal_that_decides():
    q = analyze("Was the index below 100 in 2021?")
    signals = verdict_signals(q, candidate("In 2021 the index stood at 112.9.", 0.9, cov=0.8, anchors=1.0))
    assert signals["threshold_no"] == 1.0 and rule_verdict(signals) == "No"
    signals = verdict_signals(analyze("Did trade shrink?"), candidate("Trade grew by 5.2%.", 0.9, cov=0.6, anchors=1.0))
    assert signals["direction_no"] == 1.0 and rule_verdict(signals) == "No"
