from rest_framework.routers import SimpleRouter

from .api_views import AnalysisViewSet, IncidentViewSet

router = SimpleRouter()
router.register("hotspots/incidents", IncidentViewSet, basename="hotspots-incident")
router.register("hotspots/analyses", AnalysisViewSet, basename="hotspots-analysis")
urlpatterns = router.urls
