from rest_framework.pagination import CursorPagination


class CreatedCursorPagination(CursorPagination):
    """Stable under inserts: newest first, by primary key."""

    ordering = "-pk"
    page_size_query_param = "page_size"
    max_page_size = 200
