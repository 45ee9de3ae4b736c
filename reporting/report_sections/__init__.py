"""The sections of the period report (DESIGN §1, in order) and its Excel appendix.

Each builder turns analytics/ results into blocks (text, tables, figures); none computes a
figure of its own. ``ctx`` is reporting.content.ReportContext.

One module per part of the report: summary, service_levels, operations, customers, actions;
cells holds what they share, excel_appendix the appendix's sheets.
"""

from __future__ import annotations

from domain.vocabulary import sections_for
from reporting.report_model import Section, Table
from reporting.report_sections import actions, customers, operations, service_levels, summary
from reporting.report_sections.actions import unmet_table
from reporting.report_sections.cells import SERIES_KPIS
from reporting.report_sections.excel_appendix import breach_list, kpi_sheet
from reporting.report_sections.summary import findings

__all__ = ["SERIES_KPIS", "appendix", "findings", "sections"]

# key → builder; domain.vocabulary.REPORT_SECTIONS holds their order and audiences.
BUILDERS = {
    **summary.BUILDERS,
    **service_levels.BUILDERS,
    **operations.BUILDERS,
    **customers.BUILDERS,
    **actions.BUILDERS,
}


def sections(ctx) -> tuple[Section, ...]:
    """The sections of the report definition (``meta["sections"]``; none named: all of them)
    that a report of this kind may show, in document order: a section for the department never
    reaches the customer's 服务报告."""
    wanted = ctx.meta.get("sections")
    return tuple(
        Section(key, ctx.t(f"report.section.{key}"), tuple(BUILDERS[key](ctx)))
        for key in sections_for(ctx.kind)
        if not wanted or key in wanted
    )


def appendix(ctx) -> tuple[Table, ...]:
    return (kpi_sheet(ctx), breach_list(ctx), unmet_table(ctx, with_actions=True))
