"""bench_classify runs at tiny sizes inside the suite so it cannot rot (no timing
assertions: only that it runs and prints its figures)."""

from __future__ import annotations

from bench.test_bench_smoke import figure, run_bench


def test_classify_bench_prints_throughput_and_accuracy():
    out = run_bench("bench_classify", timeout=120)
    assert figure(out, "predict_proba batch") > 0
    assert 0 < figure(out, "tfidf-char-1-3+logreg accuracy") <= 1
    assert figure(out, "train time per 10k messages") > 0
