"""The confidence model: small, versioned weights fitted by training/train_confidence.py."""

import json

import numpy as np
import pytest

from assistant.confidence import WEIGHTS_PATH, ConfidenceModel, TreeEnsembleModel, load_model, model_from_dict
from assistant.features import FEATURES


def test_the_shipped_weights_were_fitted_on_todays_features():
    # a feature added or renamed without refitting (`make train`) would be silently ignored
    assert load_model().features == FEATURES


def test_the_shipped_model_is_small_and_plain_json():
    assert WEIGHTS_PATH.stat().st_size < 300_000
    data = json.loads(WEIGHTS_PATH.read_text())
    assert data["kind"] in ("trees", "logistic") and data["version"]


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


def test_exported_trees_predict_exactly_what_scikit_learn_does():
    from sklearn.ensemble import HistGradientBoostingClassifier

    from training.train_confidence import export_trees

    rng = np.random.default_rng(7)
    x = rng.random((3000, 5))
    x[rng.random(x.shape) < 0.05] = np.nan  # missing values take the side the trees learned
    y = ((np.nan_to_num(x[:, 0]) + 0.5 * np.nan_to_num(x[:, 3]) + 0.2 * rng.standard_normal(3000)) > 0.8).astype(int)
    clf = HistGradientBoostingClassifier(max_iter=30, max_leaf_nodes=7, random_state=0).fit(x, y)
    names = tuple(f"f{i}" for i in range(5))
    model = model_from_dict(json.loads(json.dumps(export_trees(clf, names, "t").to_dict())))  # through JSON
    assert isinstance(model, TreeEnsembleModel)
    rows = [{n: v for n, v in zip(names, r, strict=True)} for r in x[:500]]
    assert model.probabilities(rows) == pytest.approx(clf.predict_proba(x[:500])[:, 1], abs=1e-9)


def test_malformed_models_are_refused():
    data = json.loads(WEIGHTS_PATH.read_text())
    if data["kind"] == "trees":
        data["trees"][0]["value"] = data["trees"][0]["value"][:-1]
        with pytest.raises(ValueError, match="differ in length"):
            model_from_dict(data)
        data = json.loads(WEIGHTS_PATH.read_text())
        data["trees"][0]["left"][0] = len(data["trees"][0]["left"])
        with pytest.raises(ValueError, match="outside its tree"):
            model_from_dict(data)
    logistic = {"features": ["a", "b"], "weights": [1.0], "bias": 0.0, "mean": [0, 0], "scale": [1, 1]}
    with pytest.raises(ValueError, match="differ in length"):
        ConfidenceModel.from_dict(logistic)
