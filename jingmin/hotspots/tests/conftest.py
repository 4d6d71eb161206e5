import os
from pathlib import Path

import pytest

CRIME_DATA = Path(
    os.environ.get(
        "JINGMIN_CRIME_DATA",
        Path(__file__).resolve().parents[3].parent / "shared" / "crime-data",
    )
)


@pytest.fixture
def crime_data() -> Path:
    if not CRIME_DATA.is_dir():
        pytest.skip("the shared crime-data folder is not present")
    return CRIME_DATA
