"""`jingmin mediation import` reads UTF-8 (with or without BOM) or GBK."""

import pytest
from django.core.management import call_command

from jingmin.mediation.models import Dispute

from .test_imports import HEADER


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_command_reads_common_encodings(county, tmp_path, encoding):
    path = tmp_path / "d.csv"
    path.write_bytes(
        (HEADER + "sta,债务纠纷,借款未还,地址,,,否,张三,,李四,\n").encode(encoding)
    )
    call_command("mediation_import", str(path))
    assert Dispute.objects.get().parties.get(side="b").name == "李四"
