"""Masking of personal data for roles that do not need to see it."""

from .identity import mask_id_number
from .phones import mask_phone


def mask_name(value: str) -> str:
    """张三 → 张*, 欧阳小明 → 欧***; Latin names keep the first letter."""
    if not value:
        return ""
    return value[0] + "*" * max(len(value) - 1, 1)


def mask_address(value: str, keep: int = 6) -> str:
    """Keep the district/street part, hide the house number."""
    if not value:
        return ""
    return value[:keep] + "****" if len(value) > keep else value[:2] + "****"


__all__ = ["mask_address", "mask_id_number", "mask_name", "mask_phone"]
