"""Background tasks: the one import point for the task decorator.

django-tasks is the backport of Django 6's django.tasks; django-tasks-db runs them
from the database with `jingmin worker` (no Redis needed). On Django 6 this module
switches to django.tasks and nothing else changes.
"""

try:  # Django >= 6.0
    from django.tasks import task  # type: ignore[import-not-found]
except ImportError:  # Django 5.2
    from django_tasks import task

__all__ = ["task"]
