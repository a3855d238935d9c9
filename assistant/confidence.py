"""A calibrated probability that a candidate sentence answers the question.

The model reads the evidence `assistant.features` measures (similarity, coverage, names, figures,
answer type, ...). It is fitted by `training/train_confidence.py` on labelled question sets (a
candidate is right when it holds the expected answer) and shipped as a JSON file: either a
logistic regression (`ConfidenceModel`) or, by default, gradient-boosted trees
(`TreeEnsembleModel`), which scored 3 points higher than the regression on question sets they were
not fitted on, because evidence interacts (a missing name matters when the sentence is about
another subject, not when the question names none). Both are evaluated here with numpy alone:
scikit-learn is needed to fit them, not to answer. No feature is a veto: a missing name or a
reworded question lowers the probability by as much as it did in the training data, no more.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path

WEIGHTS_PATH = Path(__file__).with_name("confidence.json")


@dataclass(frozen=True)
class ConfidenceModel:
    """Standardised features -> logit -> probability."""

    features: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    version: str = ""

    def logit(self, values: dict[str, float]) -> float:
        total = self.bias
        for name, w, m, s in zip(self.features, self.weights, self.mean, self.scale, strict=True):
            total += w * (float(values.get(name, 0.0)) - m) / s
        return total

    def probability(self, values: dict[str, float]) -> float:
        z = self.logit(values)
        return 1.0 / (1.0 + math.exp(-z)) if z > -30 else 0.0

    def probabilities(self, rows: list[dict[str, float]]) -> list[float]:
        """`probability` for many candidates at once (one matrix product)."""
        import numpy as np

        if not rows:
            return []
        x = np.array([[row.get(name, 0.0) for name in self.features] for row in rows], dtype=float)
        z = self.bias + ((x - np.asarray(self.mean)) / np.asarray(self.scale)) @ np.asarray(self.weights)
        return list(1.0 / (1.0 + np.exp(-np.clip(z, -30, 30))))

    def to_dict(self) -> dict:
        return {
            "kind": "logistic",
            "version": self.version,
            "features": list(self.features),
            "weights": [round(w, 6) for w in self.weights],
            "bias": round(self.bias, 6),
            "mean": [round(m, 6) for m in self.mean],
            "scale": [round(s, 6) for s in self.scale],
        }

    @classmethod
    def from_dict(cls, data: dict) -> ConfidenceModel:
        n = len(data["features"])
        if not (len(data["weights"]) == len(data["mean"]) == len(data["scale"]) == n):
            raise ValueError("confidence weights: features, weights, mean and scale differ in length")
        return cls(
            features=tuple(data["features"]),
            weights=tuple(float(w) for w in data["weights"]),
            bias=float(data["bias"]),
            mean=tuple(float(m) for m in data["mean"]),
            scale=tuple(float(s) or 1.0 for s in data["scale"]),
            version=str(data.get("version", "")),
        )


@dataclass(frozen=True)
class TreeEnsembleModel:
    """Gradient-boosted regression trees on the raw features -> logit -> probability.

    Each tree is stored as parallel lists over its nodes (`feature`, `threshold`, `left`,
    `right`, `value`, `missing_left`; a leaf has feature -1), the way scikit-learn's
    HistGradientBoostingClassifier holds them, so its predictions are reproduced exactly
    (tests/test_confidence.py checks this against scikit-learn)."""

    features: tuple[str, ...]
    baseline: float
    trees: tuple[dict, ...]
    version: str = ""

    @functools.cached_property
    def _flat(self):
        """All trees' nodes in one array, a leaf pointing at itself: every tree is walked at once."""
        import numpy as np

        feature, threshold, left, right, value, missing = [], [], [], [], [], []
        roots, depth = [], 1
        for tree in self.trees:
            base = len(feature)
            roots.append(base)
            for i, f in enumerate(tree["feature"]):
                leaf = f < 0
                feature.append(0 if leaf else f)
                threshold.append(math.inf if leaf else tree["threshold"][i])
                left.append(base + (i if leaf else tree["left"][i]))
                right.append(base + (i if leaf else tree["right"][i]))
                value.append(tree["value"][i])
                missing.append(bool(tree["missing_left"][i]))
            depth = max(depth, tree.get("depth", len(tree["feature"])))
        return (
            np.array(feature, dtype=np.intp),
            np.array(threshold, dtype=float),
            np.array(left, dtype=np.intp),
            np.array(right, dtype=np.intp),
            np.array(value, dtype=float),
            np.array(missing, dtype=bool),
            np.array(roots, dtype=np.intp),
            depth,
        )

    def logits(self, x):
        import numpy as np

        feature, threshold, left, right, value, missing, roots, depth = self._flat
        node = np.broadcast_to(roots, (len(x), len(roots))).copy()
        rows = np.arange(len(x))[:, None]
        for _ in range(depth):
            v = x[rows, feature[node]]
            go_left = (v <= threshold[node]) | (np.isnan(v) & missing[node])
            node = np.where(go_left, left[node], right[node])
        return self.baseline + value[node].sum(axis=1)

    def probabilities(self, rows: list[dict[str, float]]) -> list[float]:
        import numpy as np

        if not rows:
            return []
        x = np.array([[row.get(name, 0.0) for name in self.features] for row in rows], dtype=float)
        return list(1.0 / (1.0 + np.exp(-np.clip(self.logits(x), -30, 30))))

    def probability(self, values: dict[str, float]) -> float:
        return float(self.probabilities([values])[0])

    def to_dict(self) -> dict:
        return {
            "kind": "trees",
            "version": self.version,
            "features": list(self.features),
            "baseline": self.baseline,
            "trees": list(self.trees),
        }

    @classmethod
    def from_dict(cls, data: dict) -> TreeEnsembleModel:
        n = len(data["features"])
        keys = ("feature", "threshold", "left", "right", "value", "missing_left")
        for tree in data["trees"]:
            if len({len(tree[k]) for k in keys}) != 1:
                raise ValueError("confidence trees: node lists differ in length")
            if any(f >= n for f in tree["feature"]):
                raise ValueError("confidence trees: a node reads a feature the model does not have")
            size = len(tree["feature"])
            if any(
                not 0 <= c < size
                for f, a, b in zip(tree["feature"], tree["left"], tree["right"], strict=True)
                if f >= 0
                for c in (a, b)
            ):
                raise ValueError("confidence trees: a node points outside its tree")
        return cls(
            features=tuple(data["features"]),
            baseline=float(data["baseline"]),
            trees=tuple(data["trees"]),
            version=str(data.get("version", "")),
        )


Model = ConfidenceModel | TreeEnsembleModel


def model_from_dict(data: dict) -> Model:
    if data.get("kind", "logistic") == "trees":
        return TreeEnsembleModel.from_dict(data)
    return ConfidenceModel.from_dict(data)


@functools.lru_cache(maxsize=4)
def load_model(path: Path = WEIGHTS_PATH) -> Model:
    return model_from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
