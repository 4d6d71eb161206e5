"""`jingmin hotspots evaluate CAMPAIGN`: evaluate a campaign (id or exact name)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jingmin.hotspots.models import Campaign
from jingmin.hotspots.services import campaign_evaluate

from ._common import write_json


class Command(BaseCommand):
    help = _("评估整治行动：整治前后、目标区与对照区、缓冲区转移（WDQ）")

    def add_arguments(self, parser):
        parser.add_argument("campaign", help=_("整治行动编号或名称"))
        parser.add_argument("--json", help=_("把评估结果写入该 JSON 文件"))

    def handle(self, *args, **options):
        key = options["campaign"]
        qs = (
            Campaign.objects.filter(pk=int(key))
            if key.isdigit()
            else Campaign.objects.filter(name=key)
        )
        campaign = qs.first()
        if campaign is None:
            raise CommandError(_("找不到整治行动：%(k)s") % {"k": key})
        campaign = campaign_evaluate(campaign=campaign, actor=None)
        ev = campaign.evaluation
        write_json(
            options["json"], {"campaign": campaign.pk, "name": campaign.name, **ev}
        )
        self.stdout.write(
            f"{campaign.name}（{campaign.starts_on}～{campaign.ends_on}）"
        )
        for zone, counts in ev["counts"].items():
            self.stdout.write(
                f"  {zone:8s} " + "  ".join(f"{k}={v}" for k, v in counts.items())
            )
        self.stdout.write(ev["verdict"])
