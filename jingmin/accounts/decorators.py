from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from .scoping import is_staff_member


def staff_required(*roles: str) -> Callable:
    """Logged-in staff with one of ``roles`` (any role if none given); others get 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not is_staff_member(request.user) or (
                roles and request.user.role not in roles
            ):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.staff_roles = roles  # read by the access-matrix test
        return wrapped

    return decorator
