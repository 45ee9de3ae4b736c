"""Which tickets the figures look at (issue 18 item 1): the dashboards' filter by service,
assignment group, category, priority and ticket kind, chosen in the sidebar and kept in the
URL, one parameter per value (``?service=ERP财务模块&priority=P1&priority=P2``). Empty: every
ticket.

The ticket KPIs, breakdowns, lists and trends apply it (``analytics.sla.ticket_where``); the
figures of other sources (satisfaction surveys, availability, worklogs, complaints) are the
whole project's, and the pages say so. Reports are never filtered.
"""

from __future__ import annotations

from dataclasses import dataclass

COLUMNS = ("service", "assignment_group", "category", "priority", "kind")
# Each column's URL parameter ("kind" is the period type's already).
PARAMS = {"service": "service", "assignment_group": "group", "category": "category",
          "priority": "priority", "kind": "ticket_kind"}  # fmt: skip


@dataclass(frozen=True)
class TicketFilter:
    chosen: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (column, values), columns in COLUMNS order

    @classmethod
    def of(cls, values: dict[str, list[str] | tuple[str, ...]]) -> TicketFilter:
        """The filter of ``{column: values}``; unknown columns and empty choices are left out."""
        return cls(
            tuple((c, tuple(dict.fromkeys(v for v in values[c] if v))) for c in COLUMNS if values.get(c))
        )

    @classmethod
    def from_params(cls, values_of) -> TicketFilter:
        """The filter a URL names; ``values_of(parameter)`` gives its values (``get_all``)."""
        return cls.of({column: values_of(name) for column, name in PARAMS.items()})

    def to_params(self) -> dict[str, list[str]]:
        return {PARAMS[column]: list(values) for column, values in self.chosen}

    def values(self, column: str) -> tuple[str, ...]:
        return dict(self.chosen).get(column, ())

    def __bool__(self) -> bool:
        return bool(self.chosen)


EVERY_TICKET = TicketFilter()
