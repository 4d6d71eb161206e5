"""Relevance of the Chinese search on the demo catalogue: typical citizen
questions must find the right guide among the first three results."""

import pytest

from jingmin.catalogue import search
from jingmin.catalogue.demo import seed_guides
from jingmin.catalogue.selectors import guide_search
from jingmin.org import demo as org_demo

QUESTIONS = [
    ("身份证丢了怎么办", "hukou-id-lost"),
    ("孩子上户口", "hukou-birth"),
    ("办护照要带什么", "ee-passport"),
    ("港澳通行证续签", "ee-hk-endorse"),
    ("驾驶证到期换证", "tr-license-renew"),
    ("开公司刻章", "po-seal"),
    ("网吧备案", "cy-internet-cafe"),
    ("大型活动审批", "po-large-event"),
    ("身份证过期了", "hukou-id-renew"),
    ("坐飞机没带身份证", "hukou-id-temp"),
    ("开无犯罪记录证明", "hukou-no-crime"),
    ("新车上牌", "tr-registration"),
    ("二手车过户", "tr-transfer"),
    ("外地人办居住证", "hukou-residence-permit"),
    ("驾照丢了", "tr-license-lost"),
    ("去台湾要办什么证", "ee-taiwan"),
    ("网站备案", "cy-website-filing"),
    ("开宾馆要什么许可", "po-hotel"),
    ("车辆年检", "tr-inspection-mark"),
    ("养狗要登记吗", "po-dog"),
    ("违章处理", "tr-violation"),
    ("饭店开业消防检查", "ot-fire-opening-check"),
    ("剐蹭了怎么办", "tr-accident-quick"),
    ("演唱会审批", "po-large-event"),
    ("改名字", "hukou-correction"),
    ("买房落户", "hukou-move-in"),
    ("钱包丢了", "po-lost-property"),
    ("hz", "ee-passport"),
]


@pytest.fixture
def catalogue(db):
    org_demo.seed()
    seed_guides()


def test_citizen_questions_find_the_expected_guide_in_the_top_three(catalogue):
    misses = []
    for question, expected in QUESTIONS:
        top = [g.code for g in guide_search(query=question)[:3]]
        if expected not in top:
            misses.append((question, expected, top))
    assert misses == []


def test_pinyin_initials_find_identity_card_guides(catalogue):
    top = [g.code for g in guide_search(query="sfz")[:4]]
    assert all(code.startswith("hukou-id") for code in top)


def test_filters_by_area_and_visits(catalogue):
    online = guide_search(visits="online")
    assert online and all(g.current_version.max_visits == 0 for g in online)
    one = guide_search(visits="one")
    assert set(online) < set(one)
    assert all(g.current_version.max_visits <= 1 for g in one)
    traffic = guide_search(query="丢了", area="traffic")
    assert [g.code for g in traffic][:1] == ["tr-license-lost"]
    assert all(g.area == "traffic" for g in traffic)


def test_nonsense_finds_nothing_and_empty_query_lists_all(catalogue):
    assert guide_search(query="量子引力") == []
    assert len(guide_search()) >= 40


def test_query_tokens_widen_citizen_words():
    tokens = search.query_tokens("身份证丢了怎么办")
    assert tokens["身份证"] == 1.0
    assert tokens["补领"] < 1.0
    assert "怎么办" not in tokens


def test_initials_only_for_chinese_words():
    assert search.initials("身份证") == "sfz"
    assert search.initials("证") == ""
    assert search.initials("ICP备案") == ""
