import pytest

from jingmin.api.parsers import _storable


@pytest.mark.parametrize(
    "value", ["a\x00b", "\udbfe", {"k": ["ok", "\ud800"]}, {"\x00": 1}]
)
def test_unstorable_values(value):
    assert not _storable(value)


@pytest.mark.parametrize("value", ["普通文字", {"k": [1, 2.5, None, "😀"]}, []])
def test_storable_values(value):
    assert _storable(value)


def test_api_answers_400_not_500(county, client_for):
    client = client_for(county["officer_a"])
    response = client.post(
        "/api/v1/catalogue/applications/",
        data='{"unit": "\\udbfe"}',
        content_type="application/json",
    )
    assert response.status_code == 400
