import pytest

from jingmin.catalogue import content as gc
from jingmin.core.exceptions import DomainError

from .factories import content


def test_materials_lines_parse_into_structured_items():
    items = gc.parse_lines(
        "materials", "居民户口簿 | 原件 | 1 | 否\n照片｜复印件｜2｜是\n\n身份证"
    )
    assert items == [
        {"name": "居民户口簿", "form": "original", "count": 1, "online": False},
        {"name": "照片", "form": "copy", "count": 2, "online": True},
        {"name": "身份证", "form": "original", "count": 1, "online": False},
    ]
    assert gc.parse_lines("materials", gc.format_lines("materials", items)) == items


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("户口簿 | 扫描件", "第二栏"),
        ("户口簿 | 原件 | 零", "份数"),
        ("户口簿 | 原件 | 1 | 也许", "第四栏"),
        ("户口簿 | 原件 | 1 | 否 | 多余", "最多4栏"),
        (" | 原件", "第一栏不能为空"),
    ],
)
def test_bad_material_lines_are_refused_with_line_and_column(line, words):
    with pytest.raises(DomainError) as err:
        gc.parse_lines("materials", "身份证\n" + line)
    assert "第2行" in str(err.value)
    assert words in str(err.value)
    assert err.value.field == "materials"


@pytest.mark.parametrize("days", [0, -3])
def test_zero_or_negative_time_promise_is_refused(days):
    with pytest.raises(DomainError) as err:
        gc.check_values(content(time_promise_days=days))
    assert err.value.field == "time_promise_days"
    assert "大于0" in str(err.value)


def test_duplicate_materials_are_refused_naming_the_material():
    data = content()
    data["materials"].append(
        {"name": "居民 户口簿", "form": "copy", "count": 1, "online": False}
    )
    with pytest.raises(DomainError) as err:
        gc.check_values(data)
    assert err.value.field == "materials"
    assert "居民 户口簿" in str(err.value)


def test_faq_without_answer_and_duplicate_questions_are_refused():
    with pytest.raises(DomainError, match="缺少回答"):
        gc.check_values(content(faqs=[{"question": "要钱吗？", "answer": ""}]))
    twice = [{"question": "要钱吗？", "answer": "不要"}] * 2
    with pytest.raises(DomainError, match="常见问题重复"):
        gc.check_values(content(faqs=twice))


def test_complete_content_has_no_publish_problems():
    assert gc.publish_problems(content(), handled_elsewhere=False) == []


@pytest.mark.parametrize(
    "spec", [f for f in gc.FIELDS if f.required], ids=lambda f: f.key
)
def test_each_missing_required_part_is_named(spec):
    data = content()
    data[spec.key] = [] if spec.kind == "list" else ""
    problems = gc.publish_problems(data, handled_elsewhere=False)
    assert [field for field, _m in problems] == [spec.key]
    assert str(spec.label) in problems[0][1]


def test_several_missing_parts_are_all_named():
    data = content(name="", materials=[], complaint="")
    fields = [f for f, _m in gc.publish_problems(data, handled_elsewhere=False)]
    assert fields == ["name", "materials", "complaint"]


def test_legal_basis_needs_an_article_and_steps_need_a_place():
    data = content(
        legal_basis=[{"law": "《中华人民共和国护照法》", "article": ""}],
        steps=[{"name": "受理", "where": "", "time": ""}],
    )
    messages = [m for _f, m in gc.publish_problems(data, handled_elsewhere=False)]
    assert any("护照法" in m and "条款" in m for m in messages)
    assert any("受理" in m and "地点" in m for m in messages)


def test_guide_handled_elsewhere_needs_no_materials_steps_or_offices():
    data = content(materials=[], steps=[], offices=[])
    assert gc.publish_problems(data, handled_elsewhere=True) == []
    assert len(gc.publish_problems(data, handled_elsewhere=False)) == 3
