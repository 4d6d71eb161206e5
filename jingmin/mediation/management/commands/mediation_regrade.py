from django.core.management.base import BaseCommand

from jingmin.mediation.services import disputes_regrade


class Command(BaseCommand):
    help = "Grade every open dispute again with the current checklist and history."

    def handle(self, *args, **options):
        self.stdout.write(f"regraded: {disputes_regrade()} dispute(s) changed level")
