"""A calibrated probability that a candidate sentence answers the question.

The model is a logistic regression over the evidence `assistant.features` measures (similarity,
coverage, names, figures, answer type, ...), fitted by `training/train_confidence.py` on labelled
question sets (a candidate is right when it holds the expected answer) and shipped as a small
JSON file of weights. No feature is a veto: a missing name or a reworded question lowers the
probability by as much as it did in the training data, no more.
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


@functools.lru_cache(maxsize=4)
def load_model(path: Path = WEIGHTS_PATH) -> ConfidenceModel:
    return ConfidenceModel.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
