"""`jingmin hotspots analyse`: grid counts and Getis-Ord Gi* hot spots.

With --input the file is analysed as it is (its own extent is the study area);
without it, the stored incidents of the county are.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jingmin.core.exceptions import DomainError
from jingmin.hotspots.runner import hotspot

from ._common import add_input_options, load_input, stored_selection, write_json


class Command(BaseCommand):
    help = _("热点分析：网格计数、Gi* 热点/冷点（90/95/99%，FDR 校正）")

    def add_arguments(self, parser):
        add_input_options(parser)
        parser.add_argument(
            "--cell", type=float, required=True, help=_("网格边长（米）")
        )
        parser.add_argument(
            "--neighbourhood", default="queen", help=_("queen 或 distance:米数")
        )
        parser.add_argument(
            "--no-fdr", action="store_true", help=_("不做错误发现率校正")
        )

    def handle(self, *args, **options):
        if options["input"]:
            points = load_input(options, note=self.stderr.write)
            lon, lat, area = points.lon, points.lat, None
            starts = [
                d if h is None else None
                for d, h in zip(points.dates, points.hours, strict=True)
            ]
            ends = [None] * len(points)
            source = {
                "input": options["input"],
                "crs": points.crs,
                "skipped_rows": points.skipped,
            }
        else:
            lon, lat, starts, ends, area = stored_selection(options)
            source = {"input": None, "unit": options.get("unit")}
        try:
            result = hotspot(
                lon,
                lat,
                starts,
                ends,
                cell=options["cell"],
                neighbourhood=options["neighbourhood"],
                area=area,
                fdr=not options["no_fdr"],
                every_cell=True,
            )
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        result["params"].update(
            source,
            type=options.get("type"),
            date_from=options.get("from"),
            date_to=options.get("to"),
        )
        write_json(options["json"], result)
        self._summary(result)

    def _summary(self, r):
        p = r["params"]
        out = self.stdout.write
        out(
            _(
                "警情 %(n)s 起；网格 %(c)s 米，%(rows)s 行 × %(cols)s 列，原点 (%(x).0f, %(y).0f)；投影 %(proj)s"
            )
            % {
                "n": r["n"],
                "c": p["cell_size"],
                "rows": p["grid"]["shape"][0],
                "cols": p["grid"]["shape"][1],
                "x": p["grid"]["origin"][0],
                "y": p["grid"]["origin"][1],
                "proj": p["projection"],
            }
        )
        s = r["summary"]
        out(
            _(
                "热点 99%%/95%%/90%%：%(a)s/%(b)s/%(c)s 格；冷点：%(d)s/%(e)s/%(f)s 格（邻域 %(nb)s，FDR %(fdr)s）"
            )
            % {
                "a": s["hot_99"],
                "b": s["hot_95"],
                "c": s["hot_90"],
                "d": s["cold_99"],
                "e": s["cold_95"],
                "f": s["cold_90"],
                "nb": p["neighbourhood"],
                "fdr": _("是") if p["fdr"] else _("否"),
            }
        )
        top = sorted(
            (c for c in r["cells"] if c["class"].startswith("hot")),
            key=lambda c: -c["z"],
        )[:10]
        if top:
            out(_("最热的网格（行, 列, 计数, z）："))
            for c in top:
                out(
                    f"  {c['row']:5d} {c['col']:5d} {c['count']:6d} {c['z']:8.2f}  {c['class']}"
                )
