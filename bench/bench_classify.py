"""Appeal classification: throughput (messages/s), accuracy, macro-F1, training time.

Texts come from the demo generator (jingmin/appeals/demo.py: the 和平县 taxonomy,
~35 leaf categories, template sentences with slot fillers and 4 % label noise),
split 80/20. The production pipeline (character 1–3-grams, TF-IDF, logistic
regression) is measured against two baselines from the same run:

* majority class (accuracy floor) and TF-IDF transform alone (throughput ceiling:
  what the vectoriser costs before any model);
* alternative: jieba word segmentation + TF-IDF + the same model, the other
  approach the issue names, so the choice is backed by figures.

Run alone: ``python -m bench.bench_classify [--per-category N] [--smoke]``.
No database is used (Django is set up only to import the demo texts).
"""

from __future__ import annotations

import os
import random
import time

from . import _harness as h


def dataset(per_category: int, seed: int) -> tuple[list[str], list[str]]:
    from jingmin.appeals import demo

    rng = random.Random(seed)
    leaves = [
        (code, sentences)
        for _p, _n, _police, children in demo.TAXONOMY
        for code, _name, _t, _u, _c, _tpl, sentences in children
    ]
    everything = [s for _c, s in leaves]
    texts, labels = [], []
    for code, own in leaves:
        for _i in range(per_category):
            sentences = (
                rng.choice(everything) if rng.random() < demo.LABEL_NOISE else own
            )
            title, body = demo._text(rng, sentences)
            texts.append(f"{title}\n{body}")
            labels.append(code)
    return texts, labels


def jieba_pipeline():
    import jieba
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    jieba.setLogLevel(60)
    return Pipeline(
        [
            (
                "tfidf",
                TfidfVectorizer(
                    tokenizer=jieba.lcut,
                    token_pattern=None,
                    sublinear_tf=True,
                    min_df=2,
                ),
            ),
            ("clf", LogisticRegression(C=10.0, max_iter=2000)),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    p = h.parser(__doc__.split("\n")[0])
    p.add_argument("--per-category", type=int, default=500)
    p.add_argument("--single", type=int, default=2000)
    args = p.parse_args(argv)
    if args.smoke:
        args.per_category, args.single = 20, 50
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingmin.settings")
    import django

    django.setup()
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import train_test_split

    from jingmin.appeals.classifier import ALGORITHM, pipeline_new

    texts, labels = dataset(args.per_category, seed=2026)
    x_train, x_test, y_train, y_test = train_test_split(
        texts, labels, test_size=0.2, random_state=7, stratify=labels
    )
    classes = len(set(labels))
    r = h.Report(
        f"Classification: {len(texts):,} demo appeals, {classes} categories, "
        f"{len(x_test):,} held out"
    )

    def fit(factory):
        start = time.perf_counter()
        model = factory().fit(x_train, y_train)
        return model, time.perf_counter() - start

    model, seconds = fit(pipeline_new)
    predicted = model.predict(x_test)
    accuracy = accuracy_score(y_test, predicted)
    macro = f1_score(y_test, predicted, average="macro", zero_division=0)
    majority = max(y_test.count(c) for c in set(y_test)) / len(y_test)
    r.add("majority class accuracy (baseline)", majority, "share")
    r.add(
        f"{ALGORITHM} accuracy",
        accuracy,
        "share",
        baseline=majority,
        target="≥ 0.90",
        ok=accuracy >= 0.90 or args.smoke,
    )
    r.add(
        f"{ALGORITHM} macro-F1",
        macro,
        "share",
        target="≥ 0.90",
        ok=macro >= 0.90 or args.smoke,
    )
    r.add(
        "train time per 10k messages",
        seconds / len(x_train) * 10_000,
        "s",
        higher_is_better=False,
    )

    vectoriser = model.named_steps["tfidf"]
    repeat = 2 if args.smoke else 3
    transform = h.time_call(lambda: vectoriser.transform(x_test), repeat=repeat)
    batch = h.time_call(lambda: model.predict_proba(x_test), repeat=repeat)
    transform_rate = len(x_test) / transform.median
    batch_rate = len(x_test) / batch.median
    r.add("TF-IDF transform alone (ceiling)", transform_rate, "messages/s")
    r.add(
        "predict_proba batch",
        batch_rate,
        "messages/s",
        baseline=transform_rate,
        target="≥ 1,000/s",
        ok=batch_rate >= 1000,
    )
    single = h.time_each(
        lambda i: model.predict_proba([x_test[i % len(x_test)]]), args.single
    )
    r.add(
        "one message p50 (what a submission pays)",
        single.pct(50) * 1000,
        "ms",
        higher_is_better=False,
    )
    r.add(
        "one message p99",
        single.pct(99) * 1000,
        "ms",
        higher_is_better=False,
        target="≤ 20 ms",
        ok=single.pct(99) <= 0.02,
    )

    alt, alt_seconds = fit(jieba_pipeline)
    alt_pred = alt.predict(x_test)
    alt_batch = h.time_call(lambda: alt.predict_proba(x_test), repeat=repeat)
    r.add(
        "alternative jieba words accuracy",
        accuracy_score(y_test, alt_pred),
        "share",
        baseline=accuracy,
    )
    r.add(
        "alternative jieba words macro-F1",
        f1_score(y_test, alt_pred, average="macro", zero_division=0),
        "share",
        baseline=macro,
    )
    r.add(
        "alternative jieba batch",
        len(x_test) / alt_batch.median,
        "messages/s",
        baseline=batch_rate,
    )
    r.add(
        "alternative train time per 10k",
        alt_seconds / len(x_train) * 10_000,
        "s",
        baseline=seconds / len(x_train) * 10_000,
        higher_is_better=False,
    )
    r.note("ratios: model vs the baseline named in the row (same run, same machine)")
    return h.finish([r], args, title="bench_classify", databases="none")


if __name__ == "__main__":
    raise SystemExit(main())
