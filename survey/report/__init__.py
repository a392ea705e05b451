"""Publication tables and the self-contained HTML report."""

from survey.report.tables import (
    Table,
    comparison_table,
    publication_table,
    to_html,
    to_markdown,
    write_tables,
    write_xlsx,
)

__all__ = [
    "Table",
    "comparison_table",
    "publication_table",
    "to_html",
    "to_markdown",
    "write_tables",
    "write_xlsx",
]
