"""The demo seeds planted hot spots an analyst can find, and a second run changes nothing."""

import numpy as np

from jingmin.hotspots import demo
from jingmin.hotspots.models import Analysis, Campaign, Incident
from jingmin.hotspots.runner import cell_polygon_lonlat


def test_demo_is_idempotent_and_the_planted_spots_are_found(
    db, django_capture_on_commit_callbacks
):
    from jingmin.org import demo as org_demo

    org_demo.seed()
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed()
    n = Incident.objects.count()
    assert n > 4000 and Campaign.objects.count() == 1 and Analysis.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed()
    assert (
        Incident.objects.count() == n
        and Campaign.objects.count() == 1
        and Analysis.objects.count() == 1
    )
    a = Analysis.objects.get()
    assert a.status == "done"
    hot = [c for c in a.result["cells"] if c["class"] == "hot_99"]
    rings = cell_polygon_lonlat(
        a.result["params"],
        np.array([c["row"] for c in hot]),
        np.array([c["col"] for c in hot]),
    )
    centres = [
        (np.mean([p[0] for p in r[:4]]), np.mean([p[1] for p in r[:4]])) for r in rings
    ]

    def found(lon, lat):
        return any(abs(x - lon) < 0.006 and abs(y - lat) < 0.006 for x, y in centres)

    assert found(*demo.MARKET[:2]) and found(*demo.SCHOOL[:2])
