import io

from jingmin.mediation import demo
from jingmin.mediation.models import Dispute, Party


def test_demo_seed_is_realistic_and_idempotent(db, settings):
    # the demo log-ins' Argon2 hashing is slow on purpose; not what this test is about
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from jingmin.accounts import demo as accounts_demo
    from jingmin.org import demo as org_demo

    org_demo.seed()
    accounts_demo.seed()
    out = io.StringIO()
    demo.seed(out=out, count=6)
    n = Dispute.objects.count()
    assert n == 6 + 9  # plus three clusters of three
    assert "warnings" in out.getvalue()
    assert Dispute.objects.values("unit").distinct().count() >= 4
    assert all(p.name for p in Party.objects.all())
    assert Dispute.objects.filter(address__startswith="和平县").count() == n
    demo.seed(out=out, count=6)
    assert Dispute.objects.count() == n
