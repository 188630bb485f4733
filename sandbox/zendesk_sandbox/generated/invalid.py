"""The error a rejected change to people or structure raises: Zendesk's RecordInvalid
``details`` (``{field: [{description, error}]}``), for the account model to answer with."""

from __future__ import annotations


class DirectoryError(ValueError):
    """A rejected change: ``details`` in Zendesk's RecordInvalid shape."""

    def __init__(self, details: dict[str, list[dict]]) -> None:
        super().__init__("; ".join(d["description"] for ds in details.values() for d in ds))
        self.details = details


def invalid(field_name: str, description: str, error: str = "InvalidValue") -> DirectoryError:
    return DirectoryError({field_name: [{"description": description, "error": error}]})
