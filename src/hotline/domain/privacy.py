"""Personal data shown to people who do not need it in full."""

from __future__ import annotations


def mask_phone(phone: str | None) -> str | None:
    """138****5678: enough to recognise, not enough to call."""
    if not phone:
        return phone
    digits = phone.replace("-", "")
    if len(digits) <= 7:
        return digits[:2] + "*" * (len(digits) - 2)
    return digits[:3] + "****" + digits[-4:]


def mask_name(name: str | None) -> str | None:
    """欧***: the surname's first character, no more (a colleague can still say "Mr Ouyang's case")."""
    if not name:
        return name
    return name[0] + "*" * max(len(name) - 1, 1)


def mask_address(address: str | None) -> str | None:
    """The street, not the door: everything from the first digit on (the house, building and room
    numbers) is hidden; an address without numbers keeps its first half."""
    if not address:
        return address
    cut = next((i for i, ch in enumerate(address) if ch.isdigit()), None)
    if cut is None or cut < 2:
        cut = len(address) // 2
    return address[:cut] + "****"
