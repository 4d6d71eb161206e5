import csv
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from jingmin.appeals import demo, services
from jingmin.appeals.classifier import classifier_predict
from jingmin.appeals.models import Appeal, Category, ClassifierModel, LabelledText
from jingmin.appeals.tasks import appeals_periodic
from jingmin.core.dashboard import console_cards

from .factories import IN_A, submit

pytestmark = pytest.mark.django_db

NOISE = [
    "楼下烧烤店深夜喧哗",
    "邻居半夜唱歌吵闹",
    "KTV噪音太大睡不着",
    "广场舞音响扰民",
]
FOOD = ["饭店后厨卫生差吃出虫子", "超市卖过期牛奶", "小摊熟食无证经营", "外卖食品变质"]


def write(tmp_path, rows, header=("title", "body", "category")):
    path = tmp_path / "history.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def history_rows():
    rows = []
    for i in range(15):
        rows.append(("", NOISE[i % 4] + f"第{i}次", "噪音扰民"))
        rows.append(("", FOOD[i % 4] + f"第{i}次", "food"))
    return rows


def test_import_by_code_or_name_then_train_and_classify(
    tmp_path, county, cats, settings
):
    settings.VAR_DIR = tmp_path
    out = StringIO()
    call_command("appeals_import", str(write(tmp_path, history_rows())), stdout=out)
    assert "30" in out.getvalue()
    assert LabelledText.objects.count() == 30
    out = StringIO()
    call_command("appeals_train", stdout=out)
    assert "accuracy=" in out.getvalue() and "macro_f1=" in out.getvalue()
    model = ClassifierModel.objects.get(active=True)
    assert (tmp_path / "models" / model.path).exists()
    src = write(
        tmp_path,
        [("1", "", "楼上KTV唱歌吵闹"), ("2", "", "饭店吃出虫子")],
        header=("id", "title", "body"),
    )
    dst = tmp_path / "out.csv"
    call_command(
        "appeals_classify", "--input", str(src), "--output", str(dst), stdout=StringIO()
    )
    result = list(csv.DictReader(dst.open(encoding="utf-8")))
    assert [r["category"] for r in result] == ["噪音扰民", "食品安全"]
    assert 0 < float(result[0]["confidence"]) <= 1


def test_import_unknown_category_reports_rows_and_imports_nothing(
    tmp_path, county, cats
):
    rows = [("", "好的", "噪音扰民"), ("", "好的", "外星人"), ("", "", "food")]
    with pytest.raises(CommandError) as err:
        call_command("appeals_import", str(write(tmp_path, rows)), stdout=StringIO())
    text = str(err.value)
    assert (
        "第3行" in text and "外星人" in text and "第4行" in text and "内容为空" in text
    )
    assert LabelledText.objects.count() == 0


def test_import_can_create_categories(tmp_path, county, cats):
    rows = [("", "无人机黑飞", "低空飞行")]
    call_command(
        "appeals_import",
        str(write(tmp_path, rows)),
        "--create-categories",
        stdout=StringIO(),
    )
    assert Category.objects.get(name="低空飞行").code == "di-kong-fei-xing"


def test_import_needs_the_columns(tmp_path, county, cats):
    with pytest.raises(CommandError, match="category"):
        call_command(
            "appeals_import",
            str(write(tmp_path, [("a", "b")], header=("title", "body"))),
            stdout=StringIO(),
        )


def test_train_refuses_too_little_data(county, cats):
    with pytest.raises(CommandError, match="训练样本不足"):
        call_command("appeals_train", stdout=StringIO())


def test_classify_without_model(tmp_path, county, cats, settings):
    settings.VAR_DIR = tmp_path
    src = write(tmp_path, [("1", "", "x")], header=("id", "title", "body"))
    with pytest.raises(CommandError, match="train"):
        call_command(
            "appeals_classify", "--input", str(src), "--output", str(tmp_path / "o.csv")
        )


def test_confident_prediction_routes_low_confidence_queues(
    tmp_path, county, cats, settings
):
    settings.VAR_DIR = tmp_path
    call_command(
        "appeals_import", str(write(tmp_path, history_rows())), stdout=StringIO()
    )
    call_command("appeals_train", stdout=StringIO())
    settings.APPEALS_CLASSIFIER_THRESHOLD = 0.0
    a = submit(None, point=IN_A, body="楼下烧烤店深夜喧哗").appeal
    assert a.category == cats.order and a.confidence > 0 and a.status == "assigned"
    settings.APPEALS_CLASSIFIER_THRESHOLD = 1.01
    b = submit(None, point=IN_A, body="楼下烧烤店深夜喧哗").appeal
    assert (
        b.category is None
        and b.predicted_category == cats.order
        and b.status == "triaged"
    )


def test_tampered_model_file_is_refused(tmp_path, county, cats, settings):
    from jingmin.core.exceptions import DomainError

    settings.VAR_DIR = tmp_path
    call_command(
        "appeals_import", str(write(tmp_path, history_rows())), stdout=StringIO()
    )
    call_command("appeals_train", stdout=StringIO())
    model = ClassifierModel.objects.get()
    path = tmp_path / "models" / model.path
    path.write_bytes(path.read_bytes() + b"x")
    ClassifierModel.objects.filter(pk=model.pk).update(sha256="0" * 64)  # force reload
    with pytest.raises(DomainError, match="拒绝加载"):
        classifier_predict(["x"])


def test_periodic_task_runs_escalation_and_metrics(county, cats):
    import datetime as dt

    from django.utils import timezone

    a = submit(cats.order, point=IN_A).appeal
    Appeal.objects.filter(pk=a.pk).update(
        accept_due=timezone.now() - dt.timedelta(hours=1)
    )
    result = appeals_periodic.enqueue()
    assert "escalated=1" in result.return_value


def test_console_cards(county, cats):
    submit(None)
    a = submit(cats.order, point=IN_A).appeal
    services.appeal_accept(appeal=a, actor=county["officer_a"])
    services.reply_submit(appeal=a, actor=county["officer_a"], body="答复")
    titles = {c.title: c.value for c in console_cards(county["operator"])}
    assert titles["分拨队列"] == 1
    leader = {c.title: c.value for c in console_cards(county["leader_a"])}
    assert leader["待审批答复"] == 1
    assert {c.title: c.value for c in console_cards(county["leader_b"])}[
        "待审批答复"
    ] == 0
    assert console_cards(county["analyst"]) == [] or all(
        "诉求" not in c.title for c in console_cards(county["analyst"])
    )


def test_demo_seed_is_idempotent(county, monkeypatch, tmp_path, settings):
    from jingmin.org import demo as org_demo

    settings.VAR_DIR = tmp_path
    org_demo.seed()
    from jingmin.accounts import demo as accounts_demo

    accounts_demo.seed()
    monkeypatch.setattr(demo, "HISTORY_PER_CATEGORY", 12)
    monkeypatch.setattr(demo, "DEMO_APPEALS", 12)
    demo.seed()
    counts = (
        Category.objects.count(),
        LabelledText.objects.count(),
        Appeal.objects.count(),
    )
    assert counts[2] == 12 and ClassifierModel.objects.filter(active=True).count() == 1
    assert Appeal.objects.exclude(status="received").count() == 12
    demo.seed()
    assert (
        Category.objects.count(),
        LabelledText.objects.count(),
        Appeal.objects.count(),
    ) == counts
    assert ClassifierModel.objects.count() == 1


def test_schedule_does_not_start_a_second_chain(county, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    out = StringIO()
    call_command("appeals_schedule", stdout=out)
    call_command("appeals_schedule", stdout=out)
    assert "already scheduled" in out.getvalue()


def test_classify_reads_gbk_and_names_a_missing_file(tmp_path, county, cats):
    src = tmp_path / "gbk.csv"
    src.write_bytes("id,title,body\n1,,楼上KTV唱歌吵闹\n".encode("gbk"))
    # Read as GBK, so the command gets as far as wanting a model.
    with pytest.raises(CommandError, match="train"):
        call_command(
            "appeals_classify", "--input", str(src), "--output", str(tmp_path / "o.csv")
        )
    with pytest.raises(CommandError, match="文件不存在"):
        call_command(
            "appeals_classify",
            "--input",
            str(tmp_path / "nope.csv"),
            "--output",
            str(tmp_path / "o.csv"),
        )
