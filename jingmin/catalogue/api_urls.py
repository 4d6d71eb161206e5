from rest_framework.routers import SimpleRouter

from .api import ApplicationViewSet, GuideViewSet

router = SimpleRouter()
router.register("catalogue/guides", GuideViewSet, basename="catalogue-guide")
router.register(
    "catalogue/applications", ApplicationViewSet, basename="catalogue-application"
)
urlpatterns = router.urls
