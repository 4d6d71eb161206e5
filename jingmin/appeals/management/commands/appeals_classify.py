"""`jingmin appeals classify --input IN.csv --output OUT.csv` for batch checks.

IN has columns id, title, body; OUT has id, category (the category's name),
confidence.
"""

import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jingmin.appeals.classifier import classifier_predict, text_of
from jingmin.appeals.models import Category
from jingmin.core.csvread import open_csv
from jingmin.core.exceptions import DomainError


class Command(BaseCommand):
    help = "批量分类：输入 id,title,body，输出 id,category,confidence"

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True)
        parser.add_argument("--output", required=True)

    def handle(self, *args, **options):
        try:
            with open_csv(options["input"]) as fh:
                reader = csv.DictReader(fh)
                missing = {"id", "body"} - set(reader.fieldnames or [])
                if missing:
                    raise CommandError(f"输入缺少列：{', '.join(sorted(missing))}")
                rows = list(reader)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        predictions = classifier_predict(
            [text_of(r.get("title", ""), r.get("body", "")) for r in rows]
        )
        if predictions is None:
            raise CommandError("尚无分类模型：请先运行 jingmin appeals train")
        names = dict(Category.objects.values_list("code", "name"))
        with Path(options["output"]).open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["id", "category", "confidence"])
            for row, p in zip(rows, predictions, strict=True):
                writer.writerow(
                    [
                        row["id"],
                        names.get(p.category_code, p.category_code),
                        f"{p.confidence:.4f}",
                    ]
                )
        self.stdout.write(f"classified {len(rows)} rows → {options['output']}")
