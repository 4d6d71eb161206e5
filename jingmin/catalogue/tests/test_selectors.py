from jingmin.catalogue.selectors import _segments


def test_diff_matches_lines_first_then_characters():
    before = "户口簿（原件1份）\n平面图（原件1份）\n照片（原件1份）"
    after = "户口簿（原件1份，可网上提交）\n照片（原件1份）"
    segments = _segments(before, after)
    assert ("delete", "平面图（原件1份）") in segments
    assert ("insert", "，可网上提交") in segments
    text = "".join(t for op, t in segments if op != "delete")
    assert [line for line in text.split("\n") if line] == after.split("\n")


def test_numbers_are_replaced_whole():
    assert _segments("20", "15", whole=True) == [("delete", "20"), ("insert", "15")]
