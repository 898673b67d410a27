#!/usr/bin/env python3
"""Generate the fixtures of rnn4j's Metrics: scikit-learn's own values.

What it produces
----------------
``src/test/resources/fixtures/metrics/sklearn-<version>/metrics.json``: generator, versions, and cases:

* classification: ``y_true``, ``y_pred`` and, from ``sklearn.metrics``, ``accuracy``
  (``accuracy_score``), ``f1_macro`` (``f1_score(average='macro')``, zero_division left at its default,
  "warn", which scores 0), ``f1_macro_labels`` with ``labels`` (every class 0..C-1, some absent from both
  y_true and y_pred) for ``zero_division`` 0 and 1, and ``confusion_matrix(labels=range(C))``;
* regression: ``y_true``, ``y_pred`` (N, outputs) and ``mean_absolute_error``,
  ``root_mean_squared_error`` and ``mean_absolute_percentage_error`` (``multioutput='uniform_average'``).

Inputs come from ``numpy.random.default_rng(CRC-32 of the case id)``. The values are float64 results of
the same formulas in another order of summation: rnn4j is held within 1e-12 relative (observed: a few ulp).

How to run (a venv with scikit-learn 1.9.1 and numpy, no torch needed)
---------------------------------------------------------------------
    python3 -m venv /tmp/skv && /tmp/skv/bin/pip install --no-index --find-links /opt/pypi/files scikit-learn
    /tmp/skv/bin/python src/test/python/generate_metrics_fixtures.py
"""

import json
import os
import zlib

import numpy as np
import sklearn
from sklearn import metrics


def classification(case_id, n, classes, predicted_classes, zero_true_at=None):
    rng = np.random.default_rng(zlib.crc32(case_id.encode()))
    y_true = rng.integers(0, classes, n)
    if zero_true_at is not None:
        y_true[y_true == zero_true_at] = 0  # a class absent from y_true
    # Mostly right, some wrong, restricted to predicted_classes (others are never predicted).
    y_pred = np.where(rng.random(n) < 0.6, y_true, rng.integers(0, classes, n))
    y_pred = np.array([p if p in predicted_classes else predicted_classes[0] for p in y_pred])
    labels = list(range(classes + 1))  # class C is absent from both
    return {
        "id": case_id, "kind": "classification", "num_classes": classes + 1,
        "y_true": y_true.tolist(), "y_pred": y_pred.tolist(),
        "accuracy": metrics.accuracy_score(y_true, y_pred),
        "f1_macro": metrics.f1_score(y_true, y_pred, average="macro"),
        "labels": labels,
        "f1_macro_labels_zero_division_0": metrics.f1_score(
            y_true, y_pred, labels=labels, average="macro", zero_division=0),
        "f1_macro_labels_zero_division_1": metrics.f1_score(
            y_true, y_pred, labels=labels, average="macro", zero_division=1),
        "confusion_matrix": metrics.confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }


def regression(case_id, n, outputs, zeros=False):
    rng = np.random.default_rng(zlib.crc32(case_id.encode()))
    y_true = rng.normal(0, 3, (n, outputs))
    if zeros:
        y_true[0, 0] = 0.0
        y_true[3 % n, outputs - 1] = 0.0
    y_pred = y_true + rng.normal(0, 1, (n, outputs))
    return {
        "id": case_id, "kind": "regression",
        "y_true": y_true.tolist(), "y_pred": y_pred.tolist(),
        "mean_absolute_error": metrics.mean_absolute_error(y_true, y_pred),
        "root_mean_squared_error": metrics.root_mean_squared_error(y_true, y_pred),
        "mean_absolute_percentage_error": metrics.mean_absolute_percentage_error(y_true, y_pred),
    }


def main():
    out_dir = os.path.join("src", "test", "resources", "fixtures", "metrics", "sklearn-" + sklearn.__version__)
    os.makedirs(out_dir, exist_ok=True)
    cases = [
        classification("three_classes_all_predicted", 40, 3, [0, 1, 2]),
        classification("four_classes_one_never_predicted", 50, 4, [0, 1, 3]),
        classification("five_classes_one_absent_from_truth", 60, 5, [0, 1, 2, 3, 4], zero_true_at=2),
        regression("one_output", 30, 1),
        regression("three_outputs", 25, 3),
        regression("zeros_in_truth", 12, 2, zeros=True),
    ]
    for c in cases:
        for k, v in list(c.items()):
            if isinstance(v, (np.floating, np.integer)):
                c[k] = v.item()
    with open(os.path.join(out_dir, "metrics.json"), "w") as f:
        json.dump({"generator": "src/test/python/generate_metrics_fixtures.py",
                   "sklearn_version": sklearn.__version__, "numpy_version": np.__version__,
                   "rtol": 1e-12, "cases": cases}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
