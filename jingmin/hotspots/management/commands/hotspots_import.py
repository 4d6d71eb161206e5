"""`jingmin hotspots import FILE`: import incidents (CSV or GeoJSON), all or nothing."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jingmin.core.exceptions import DomainError, ImportFailed
from jingmin.hotspots.services import incident_import

from ._common import ProgressBar


class Command(BaseCommand):
    help = _("导入警情（CSV 或 GeoJSON）；任何一行有错则全部不导入")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--quiet-progress", action="store_true", help=_("不显示进度条")
        )

    def handle(self, *args, **options):
        bar = None if options["quiet_progress"] else ProgressBar(self.stderr._out)
        try:
            report = incident_import(path=options["file"], actor=None, progress=bar)
        except ImportFailed as exc:
            raise CommandError(str(exc)) from exc
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _("已导入 %(n)s 起警情，批次 %(b)s")
            % {"n": f"{report.created:,}", "b": report.batch}
        )
