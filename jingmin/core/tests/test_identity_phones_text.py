import pytest

from jingmin.core.exceptions import DomainError
from jingmin.core.identity import mask_id_number, validate_id_number
from jingmin.core.masking import mask_address, mask_name
from jingmin.core.phones import mask_phone, validate_phone
from jingmin.core.text import normalize_text

VALID_ID = "11010519491231002X"


def test_valid_id_number_is_compacted():
    assert validate_id_number(" 11010519491231002x ") == VALID_ID
    assert (
        validate_id_number("１１０１０５１９４９１２３１００２Ｘ") == VALID_ID
    )  # full-width


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("110105194912310021", "id_checksum"),
        ("1101051949123100", "id_length"),
        ("110105194913310021", "id_component"),
    ],
)
def test_invalid_id_numbers_name_the_fault(value, code):
    with pytest.raises(DomainError) as exc:
        validate_id_number(value)
    assert exc.value.code == code
    assert "身份证" in str(exc.value)


def test_mask_id_number_keeps_prefix_and_last_four():
    assert mask_id_number("330106199001011234") == "3301**********1234"
    assert mask_id_number("") == ""
    assert mask_id_number("1234") == "****"


def test_phones():
    assert validate_phone("+86 138 1234 5678") == "13812345678"
    assert validate_phone("0571-86000110") == "0571-86000110"
    with pytest.raises(DomainError):
        validate_phone("12345")
    with pytest.raises(DomainError):
        validate_phone("0571-86000110", mobile_only=True)
    assert mask_phone("13812345678") == "138****5678"


def test_names_and_addresses_are_masked():
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳小明") == "欧***"
    assert mask_address("和平县城关镇人民路88号3幢") == "和平县城关镇****"


def test_normalize_text_folds_width_and_whitespace():
    assert normalize_text("ＡＢＣ　１２３，\t你好  ") == "ABC 123, 你好"
    assert normalize_text("第一行\r\n  第二行\x00") == "第一行\n第二行"
