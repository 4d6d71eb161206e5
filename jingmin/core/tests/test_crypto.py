from jingmin.core import crypto


def test_round_trip_and_randomised_tokens(settings):
    a = crypto.encrypt("13812345678")
    b = crypto.encrypt("13812345678")
    assert a != b and a.startswith(crypto.PREFIX)
    assert "13812345678" not in a
    assert crypto.decrypt(a) == "13812345678"


def test_rotation_keeps_values_readable(settings):
    old = crypto.encrypt("330106199001011234")
    settings.FIELD_ENCRYPTION_KEYS = [
        "a-new-key-for-rotation-tests",
        *settings.FIELD_ENCRYPTION_KEYS,
    ]
    assert crypto.decrypt(old) == "330106199001011234"
    rotated = crypto.rotate(old)
    settings.FIELD_ENCRYPTION_KEYS = ["a-new-key-for-rotation-tests"]
    assert crypto.decrypt(rotated) == "330106199001011234"


def test_blind_index_is_stable_and_keyed(settings):
    first = crypto.blind_index("13812345678")
    assert first == crypto.blind_index("13812345678")
    settings.BLIND_INDEX_KEY = "another"
    assert crypto.blind_index("13812345678") != first
