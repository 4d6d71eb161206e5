"""The Chinese text classifier: character n-grams + TF-IDF + logistic regression.

Character 1–3-grams need no word segmentation (Chinese has no spaces) and are
robust to typos and dialect wording; logistic regression gives a probability per
category, used as the confidence below which an appeal waits for an operator
(settings.APPEALS_CLASSIFIER_THRESHOLD, default 0.5). Models are versioned files
``VAR_DIR/models/appeals-classifier-v<N>.joblib``; the database row records the
file's SHA-256, which is checked before the file is unpickled (see ADR 013).
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import joblib
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from jingmin.core.exceptions import DomainError
from jingmin.core.refcache import Reference
from jingmin.core.text import normalize_text
from jingmin.org.models import BusinessArea, Department, Unit

from .models import Category, ClassifierModel, LabelledText

ALGORITHM = "tfidf-char-1-3+logreg"
MIN_SAMPLES = 20
_lock = threading.Lock()
_loaded: dict[str, object] = {"version": None, "pipeline": None}


@dataclass(frozen=True)
class TrainResult:
    model: ClassifierModel
    n_test: int


@dataclass(frozen=True)
class Prediction:
    category_code: str
    confidence: float


def model_dir() -> Path:
    return Path(settings.VAR_DIR) / "models"


def threshold() -> float:
    return float(getattr(settings, "APPEALS_CLASSIFIER_THRESHOLD", 0.5))


def text_of(title: str, body: str) -> str:
    return normalize_text(f"{title}\n{body}")


def pipeline_new() -> Pipeline:
    return Pipeline(
        [
            (
                "tfidf",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(1, 3),
                    sublinear_tf=True,
                    min_df=2,
                    max_features=300_000,
                ),
            ),
            ("clf", LogisticRegression(C=10.0, max_iter=2000)),
        ]
    )


def training_data() -> tuple[list[str], list[str]]:
    rows = LabelledText.objects.filter(category__active=True).values_list(
        "title", "body", "category__code"
    )
    texts, labels = [], []
    for title, body, code in rows.iterator(chunk_size=2000):
        texts.append(text_of(title, body))
        labels.append(code)
    return texts, labels


def evaluate(
    texts: list[str], labels: list[str], *, seed: int = 7
) -> tuple[float, float, int]:
    """Accuracy and macro-F1 on a stratified 20 % held-out split."""
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    stratify = labels if min(counts.values()) >= 2 else None
    x_train, x_test, y_train, y_test = train_test_split(
        texts, labels, test_size=0.2, random_state=seed, stratify=stratify
    )
    model = pipeline_new().fit(x_train, y_train)
    predicted = model.predict(x_test)
    return (
        float(accuracy_score(y_test, predicted)),
        float(f1_score(y_test, predicted, average="macro", zero_division=0)),
        len(y_test),
    )


def classifier_train(*, activate: bool = True) -> TrainResult:
    texts, labels = training_data()
    if len(texts) < MIN_SAMPLES or len(set(labels)) < 2:
        raise DomainError(
            _("训练样本不足：需要至少 %(min)s 条、2 个类别，现有 %(n)s 条")
            % {"min": MIN_SAMPLES, "n": len(texts)},
            code="too_few_samples",
        )
    accuracy, macro_f1, n_test = evaluate(texts, labels)
    started = time.perf_counter()
    final = pipeline_new().fit(texts, labels)
    seconds = time.perf_counter() - started
    model_dir().mkdir(parents=True, exist_ok=True)
    with transaction.atomic():
        last = ClassifierModel.objects.select_for_update().order_by("-version").first()
        version = (last.version if last else 0) + 1
        path = model_dir() / f"appeals-classifier-v{version}.joblib"
        joblib.dump(final, path)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if activate:
            ClassifierModel.objects.filter(active=True).update(active=False)
        row = ClassifierModel.objects.create(
            version=version,
            path=path.name,
            algorithm=ALGORITHM,
            n_samples=len(texts),
            n_classes=len(set(labels)),
            accuracy=accuracy,
            macro_f1=macro_f1,
            train_seconds=seconds,
            sha256=digest,
            active=activate,
        )
    return TrainResult(row, n_test)


_active_row = Reference(
    lambda: ClassifierModel.objects.filter(active=True).order_by("-version").first(),
    models=[ClassifierModel],
)
# What predict_category hands to the submission, with what routing reads of it.
_active_categories = Reference(
    lambda: {
        c.code: c
        for c in Category.objects.filter(active=True).select_related(
            "default_unit", "business_area__department"
        )
    },
    models=[Category, Unit, BusinessArea, Department],
)


def _active_pipeline() -> Pipeline | None:
    row = _active_row.get()
    if row is None:
        return None
    with _lock:
        if _loaded["version"] != (row.version, row.sha256):
            path = model_dir() / row.path
            if not path.exists():
                return None
            data = path.read_bytes()
            if hashlib.sha256(data).hexdigest() != row.sha256:
                raise DomainError(
                    _("模型文件 %(f)s 与数据库记录不符，拒绝加载") % {"f": path.name},
                    code="model_tampered",
                )
            _loaded["pipeline"] = joblib.load(path)
            _loaded["version"] = (row.version, row.sha256)
        return _loaded["pipeline"]  # type: ignore[return-value]


def classifier_predict(texts: list[str]) -> list[Prediction] | None:
    """Best category code and its probability for each text; None without a model."""
    pipeline = _active_pipeline()
    if pipeline is None:
        return None
    probabilities = pipeline.predict_proba([normalize_text(t) for t in texts])
    classes = pipeline.classes_
    best = probabilities.argmax(axis=1)
    return [
        Prediction(str(classes[i]), float(probabilities[row, i]))
        for row, i in enumerate(best)
    ]


def predict_category(title: str, body: str) -> tuple[Category | None, float | None]:
    result = classifier_predict([text_of(title, body)])
    if not result:
        return None, None
    category = _active_categories.get().get(result[0].category_code)
    return category, result[0].confidence
