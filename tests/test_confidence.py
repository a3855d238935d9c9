"""The confidence model: small, versioned weights fitted by training/train_confidence.py."""

import json

import pytest

from assistant.confidence import WEIGHTS_PATH, ConfidenceModel, load_model
from assistant.features import FEATURES


def test_the_shipped_weights_were_fitted_on_todays_features():
    # a feature added or renamed without refitting (`make train`) would be silently ignored
    assert load_model().features == FEATURES


def test_the_weights_are_small_and_readable():
    assert WEIGHTS_PATH.stat().st_size < 20_000
    data = json.loads(WEIGHTS_PATH.read_text())
    assert set(data) == {"version", "features", "weights", "bias", "mean", "scale"}


def test_probabilities_are_probabilities_and_agree_one_by_one_and_at_once():
    model = load_model()
    rows = [dict.fromkeys(FEATURES, 0.0), dict.fromkeys(FEATURES, 1.0), {"dense": 0.9, "cov": 1.0, "anchors": 1.0}]
    one = [model.probability(r) for r in rows]
    many = model.probabilities(rows)
    assert all(0.0 <= p <= 1.0 for p in one)
    assert one == pytest.approx(many, abs=1e-9)


def test_more_of_the_question_in_the_sentence_is_more_likely_the_answer():
    model = load_model()
    base = dict.fromkeys(FEATURES, 0.0) | {"dense": 0.6, "anchors": 1.0, "anchors_para": 1.0, "type": 1.0}
    assert model.probability(base | {"cov": 0.9, "cov_ctx": 0.9}) > model.probability(
        base | {"cov": 0.2, "cov_ctx": 0.2}
    )


def test_malformed_weights_are_refused():
    data = json.loads(WEIGHTS_PATH.read_text())
    data["weights"] = data["weights"][:-1]
    with pytest.raises(ValueError, match="differ in length"):
        ConfidenceModel.from_dict(data)
