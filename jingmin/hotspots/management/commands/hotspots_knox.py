"""`jingmin hotspots knox`: near-repeat analysis (Knox test, Monte Carlo)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jingmin.core.exceptions import DomainError
from jingmin.hotspots.runner import knox_result

from ._common import (
    add_input_options,
    load_input,
    parse_numbers,
    stored_selection,
    write_json,
)


class Command(BaseCommand):
    help = _("近重复分析：Knox 检验，按空间带 × 时间带报告观测/期望比和 p 值")

    def add_arguments(self, parser):
        add_input_options(parser)
        parser.add_argument(
            "--space-bands", required=True, help=_("空间带上限（米），如 100,200,300")
        )
        parser.add_argument(
            "--time-bands", required=True, help=_("时间带上限（天），如 7,14,21")
        )
        parser.add_argument("--permutations", type=int, default=99)
        parser.add_argument(
            "--convention",
            choices=["standard", "nrc"],
            default="standard",
            help=_("nrc：与 Near Repeat Calculator 相同的分带（差一）"),
        )
        parser.add_argument(
            "--metric", choices=["manhattan", "euclidean"], default="manhattan"
        )
        parser.add_argument("--seed", type=int, default=None)

    def handle(self, *args, **options):
        if options["input"]:
            points = load_input(options, note=self.stderr.write)
            lon, lat, days = points.lon, points.lat, points.ordinals()
        else:
            lon, lat, starts, _ends, _area = stored_selection(options)
            days = [s.date().toordinal() for s in starts]
        try:
            r = knox_result(
                lon,
                lat,
                days,
                space_bands=parse_numbers(options["space_bands"], "--space-bands"),
                time_bands=parse_numbers(options["time_bands"], "--time-bands"),
                permutations=options["permutations"],
                convention=options["convention"],
                metric=options["metric"],
                seed=options["seed"],
            )
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        write_json(options["json"], r)
        out = self.stdout.write
        out(
            _("警情 %(n)s 起，%(k)s 次模拟，分带规则 %(c)s，距离 %(m)s")
            % {
                "n": r["n"],
                "k": r["permutations"],
                "c": r["convention"],
                "m": r["metric"],
            }
        )
        out(_("观测/期望（p 值）："))
        width = max(len(s) for s in r["space_bands"])
        out(" " * (width + 2) + "".join(f"{t:>18}" for t in r["time_bands"]))
        for i, label in enumerate(r["space_bands"]):
            cells = "".join(
                f"{r['ratio'][i][j] or 0:>10.2f} ({r['p'][i][j]:.3f})"
                for j in range(len(r["time_bands"]))
            )
            out(f"{label:<{width + 2}}{cells}")
