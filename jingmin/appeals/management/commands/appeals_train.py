"""`jingmin appeals train`: train on all labelled appeals, save a new model version."""

from django.core.management.base import BaseCommand, CommandError

from jingmin.appeals.classifier import classifier_train, model_dir
from jingmin.core.exceptions import DomainError


class Command(BaseCommand):
    help = "训练诉求分类模型，输出留出集上的准确率和宏平均F1"

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-activate", action="store_true", help="只保存，不切换为当前模型"
        )

    def handle(self, *args, **options):
        try:
            result = classifier_train(activate=not options["no_activate"])
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        m = result.model
        self.stdout.write(
            f"model v{m.version} ({m.algorithm}) {m.n_samples} samples, "
            f"{m.n_classes} categories, held-out {result.n_test}\n"
            f"accuracy={m.accuracy:.4f} macro_f1={m.macro_f1:.4f} "
            f"train_seconds={m.train_seconds:.1f}\n"
            f"file: {model_dir() / m.path}"
        )
