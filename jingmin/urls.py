import os

from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import JavaScriptCatalog

admin.site.site_header = _("警民通 系统管理")
admin.site.site_title = _("警民通")

urlpatterns = [
    path("", include("jingmin.portal.urls")),
    path("accounts/", include("jingmin.accounts.urls")),
    path("appeals/", include("jingmin.appeals.urls")),
    path("services/", include("jingmin.catalogue.urls")),
    path("mediation/", include("jingmin.mediation.urls")),
    path("hotspots/", include("jingmin.hotspots.urls")),
    path("open311/", include("jingmin.open311.urls")),
    path("api/v1/", include("jingmin.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
]

if os.environ.get("JINGMIN_BENCH_VIEWS") == "1":  # baselines of bench/bench_http.py
    urlpatterns.append(path("bench/", include("jingmin.core.benchviews")))

handler403 = "jingmin.portal.views.error_403"
handler404 = "jingmin.portal.views.error_404"
handler500 = "jingmin.portal.views.error_500"

# Uploaded evidence (MEDIA_ROOT) is never served by URL, not even with DEBUG: each
# file goes out through a view that checks the viewer's scope, e.g.
# appeals:attachment (get_visible_or_404). WhiteNoise serves STATIC_ROOT only.
