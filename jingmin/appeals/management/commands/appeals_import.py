"""`jingmin appeals import FILE.csv [--create-categories]`: labelled history."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jingmin.appeals.importers import labelled_import
from jingmin.core.csvread import read_text
from jingmin.core.exceptions import DomainError, ImportFailed


class Command(BaseCommand):
    help = "导入已分类的历史诉求（UTF-8 或 GBK 编码的 CSV：title, body, category[, created_at, lon, lat, address]）"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--create-categories",
            action="store_true",
            help="为未知类别创建新类别（默认：报错且不导入任何行）",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            text = read_text(path)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        try:
            result = labelled_import(
                text, create_categories=options["create_categories"], source=path.name
            )
        except ImportFailed as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"imported {result.rows} rows")
        if result.created_categories:
            self.stdout.write(
                "created categories: " + ", ".join(result.created_categories)
            )
