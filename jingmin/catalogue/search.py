"""Chinese full-text search over the current versions of the guides.

Text is cut with jieba's search mode (every dictionary word inside a longer word
too), each word is also indexed by its pinyin initials (身份证 → sfz), and the
tokens go into SearchToken with a weight per field. A query is cut the same way,
widened with a small table of how citizens say things (丢 → 补领), and guides are
ranked by the sum of weight × rarity of the tokens they match. Plain SQL
(``token IN (…)``) so SQLite and PostgreSQL give the same answers.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections import defaultdict
from typing import Any

import jieba
from pypinyin import Style, lazy_pinyin

FIELD_WEIGHTS = {
    "name": 5.0,
    "keywords": 4.0,
    "materials": 1.5,
    "faqs": 1.5,
    "conditions": 1.0,
    "applicants": 0.8,
    "result": 0.8,
    "legal_basis": 0.5,
}

# Words jieba should keep whole (service vocabulary).
VOCABULARY = [
    "身份证",
    "居民身份证",
    "户口簿",
    "上户口",
    "落户",
    "迁入",
    "迁出",
    "护照",
    "港澳通行证",
    "台湾通行证",
    "通行证",
    "签注",
    "驾驶证",
    "行驶证",
    "换证",
    "补领",
    "挂失",
    "刻章",
    "印章",
    "公章",
    "网吧",
    "备案",
    "大型活动",
    "临时身份证",
    "居住证",
    "出生登记",
    "无犯罪记录",
    "车牌",
    "号牌",
    "年检",
    "违章",
    "违法处理",
    "旅馆业",
    "烟花爆竹",
    "保安",
    "等级保护",
    "养狗",
    "养犬",
    "驾照",
    "犬只",
]

# How citizens say it → how the catalogue says it (added to the query, lower weight).
SYNONYMS = {
    "丢": ["遗失", "挂失", "补领"],
    "丢了": ["遗失", "挂失", "补领"],
    "掉": ["遗失", "补领"],
    "坏": ["损坏", "换领"],
    "孩子": ["出生", "子女", "新生儿"],
    "小孩": ["出生", "子女", "新生儿"],
    "宝宝": ["出生", "新生儿"],
    "上户口": ["出生登记", "户口登记"],
    "报户口": ["出生登记", "户口登记"],
    "续签": ["再次签注", "签注"],
    "到期": ["期满", "换领", "换证"],
    "过期": ["期满", "换领"],
    "换证": ["换领", "期满"],
    "开公司": ["企业", "单位"],
    "刻章": ["印章", "刻制", "公章"],
    "网吧": ["互联网上网服务营业场所"],
    "演唱会": ["大型群众性活动"],
    "大型活动": ["大型群众性活动"],
    "审批": ["许可", "审核"],
    "开证明": ["证明"],
    "搬家": ["迁移", "迁入", "迁出"],
    "车牌": ["号牌"],
    "结婚": ["婚姻"],
    "出国": ["护照", "出境"],
    "香港": ["港澳"],
    "澳门": ["港澳"],
    "台湾": ["台湾"],
    "年检": ["检验合格标志"],
    "没带": ["临时"],
    "着火": ["消防"],
    "火灾": ["消防"],
    "开网店": ["网站", "备案"],
    "网站": ["联网备案"],
    "外地人": ["居住证", "暂住"],
    "养狗": ["犬只", "养犬"],
    "狗": ["犬只"],
    "驾照": ["驾驶证"],
    "暂住证": ["居住证"],
}

RELEVANT_SHARE = 0.15

STOPWORDS = set(
    "的 了 吗 呢 啊 吧 么 怎么 怎么办 怎样 如何 什么 要 带 办 办理 需要 哪些 哪里 "
    "去 在 我 我的 你 想 能 可以 可 是 和 与 及 或 给 被 把 有 没 没有 一个 多久 "
    "几天 时间 多少 钱 吗？ 请问 应该 一下".split()
)
_PUNCT = re.compile(r"^[\W_]+$")
_ASCII = re.compile(r"^[a-z]+$")

_tokenizer_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None
jieba.setLogLevel(logging.WARNING)


def tokenizer() -> jieba.Tokenizer:
    """Our own jieba instance, so other apps' dictionary changes do not reach us."""
    global _tokenizer
    with _tokenizer_lock:
        if _tokenizer is None:
            tk = jieba.Tokenizer()
            for word in VOCABULARY:
                tk.add_word(word, freq=20000)
            _tokenizer = tk
        return _tokenizer


def words(text: str) -> list[str]:
    """Search-mode words of ``text`` without punctuation or stop words."""
    out = []
    for word in tokenizer().cut_for_search((text or "").lower()):
        word = word.strip()
        if not word or _PUNCT.match(word) or word in STOPWORDS:
            continue
        out.append(word[:64])
    return out


def initials(word: str) -> str:
    """身份证 → sfz (only for words of two or more Chinese characters)."""
    if len(word) < 2 or not all("\u4e00" <= ch <= "\u9fff" for ch in word):
        return ""
    return "".join(lazy_pinyin(word, style=Style.FIRST_LETTER))


def document_tokens(fields: dict[str, str]) -> list[tuple[str, str, float]]:
    """(token, field, weight) rows for one guide; a token counts once per field."""
    rows: dict[tuple[str, str], float] = {}
    for field, text in fields.items():
        weight = FIELD_WEIGHTS[field]
        for word in words(text):
            rows[(word, field)] = weight
            abbreviation = initials(word)
            if abbreviation:
                # Initials are ambiguous: a match counts for less than the word.
                key = (abbreviation, field)
                rows[key] = max(rows.get(key, 0.0), weight * 0.6)
    return [(token, field, weight) for (token, field), weight in rows.items()]


def query_groups(query: str) -> dict[str, tuple[str, float]]:
    """Query token → (the citizen's word it stands for, how much a match counts).

    A word and its synonyms form one group: a guide scores for a group once, with
    its best token, so a concept said three ways in a guide does not outweigh a
    rarer word the citizen actually used (钱包丢了: 钱包 must count)."""
    tokens: dict[str, tuple[str, float]] = {}

    def add(token: str, group: str, weight: float) -> None:
        if token not in tokens or tokens[token][1] < weight:
            tokens[token] = (group, weight)

    raw = (query or "").strip().lower()
    for part in raw.split():
        if _ASCII.match(part):
            add(part, part, 1.0)
    for word in words(raw):
        add(word, word, 1.0)
        for synonym in SYNONYMS.get(word, []):
            add(synonym, word, 0.7)
            for sub in words(synonym):
                add(sub, word, 0.5)
    for phrase, synonyms in SYNONYMS.items():
        if len(phrase) > 1 and phrase in raw:
            for synonym in synonyms:
                add(synonym, phrase, 0.7)
    return tokens


def query_tokens(query: str) -> dict[str, float]:
    """Query token → how much a match counts (1 for the citizen's own words)."""
    return {token: weight for token, (_g, weight) in query_groups(query).items()}


def rank(
    query: str, postings: list[tuple[int, str, float]], total_guides: int
) -> list[tuple[int, float]]:
    """(guide id, score), best first. ``postings``: (guide, token, weight) rows that
    match any query token, as read from SearchToken."""
    wanted = query_groups(query)
    guides_per_token: dict[str, set[int]] = defaultdict(set)
    for guide, token, _weight in postings:
        guides_per_token[token].add(guide)
    best: dict[tuple[int, str], float] = defaultdict(float)
    for guide, token, weight in postings:
        if token not in wanted:
            continue
        group, query_weight = wanted[token]
        rarity = math.log(1 + total_guides / len(guides_per_token[token]))
        key = (guide, group)
        best[key] = max(best[key], weight * query_weight * rarity)
    scores: dict[int, float] = defaultdict(float)
    for (guide, _group), value in best.items():
        scores[guide] += value
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def relevant(
    ranked: list[tuple[int, float]], share: float = RELEVANT_SHARE
) -> list[tuple[int, float]]:
    """Drop the tail: guides scoring under ``share`` of the best matched only on
    a weak word (e.g. 办理, 证明) and bury the answer under noise."""
    if not ranked:
        return ranked
    floor = ranked[0][1] * share
    return [item for item in ranked if item[1] >= floor]


def version_fields(version: Any) -> dict[str, str]:
    """The searchable text of a GuideVersion, per weighted field."""
    return {
        "name": version.name,
        "keywords": version.keywords,
        "conditions": version.conditions,
        "applicants": version.applicants,
        "materials": " ".join(m["name"] for m in version.materials),
        "faqs": " ".join(f"{f['question']} {f['answer']}" for f in version.faqs),
        "result": version.result_document,
        "legal_basis": " ".join(b["law"] for b in version.legal_basis),
    }
