"""Who may call the REST API at all; row-level scoping stays in accounts.scoping."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from jingmin.accounts.scoping import has_role, is_staff_member


class IsStaffMember(BasePermission):
    """An active staff account with a role (people and service accounts alike)."""

    def has_permission(self, request, view) -> bool:
        return is_staff_member(request.user)


def roles_only(*roles: str) -> type[BasePermission]:
    """A permission class admitting only ``roles`` (403 for every other role)."""

    class HasRole(BasePermission):
        def has_permission(self, request, view) -> bool:
            return has_role(request.user, *roles)

    HasRole.__name__ = "HasRole_" + "_".join(roles)
    return HasRole
