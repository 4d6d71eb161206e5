"""Chinese text normalisation: full-width → half-width, whitespace folded."""

import unicodedata


def normalize_text(value: str) -> str:
    """NFKC folds full-width Latin letters, digits and punctuation to half-width
    (ＡＢＣ１２３ → ABC123) while leaving CJK ideographs alone; control characters
    other than newlines and tabs are dropped; runs of spaces are folded."""
    value = unicodedata.normalize("NFKC", value or "")
    value = "".join(
        ch for ch in value if ch in "\n\t" or unicodedata.category(ch)[0] != "C"
    )
    lines = [
        " ".join(line.split())
        for line in value.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    ]
    return "\n".join(lines).strip()
