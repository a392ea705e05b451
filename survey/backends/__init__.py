"""Data backends: the engine's one aggregation pass run where the data live.

``TableDesign`` / ``TableReplicateDesign`` take a Parquet/CSV path or glob, a DuckDB relation
or table, a ``pyspark.sql.DataFrame`` or a pandas frame; ``survey.Design.from_parquet`` and
friends build them. See docs/ARCHITECTURE.md ("Data backends").
"""

from survey.backends.design import TableDesign, TableReplicateDesign
from survey.backends.executors import (
    Aggregation,
    DuckDBExecutor,
    Executor,
    MemoryExecutor,
    NotPushedDown,
    SparkExecutor,
    executor_for,
)

__all__ = [
    "Aggregation",
    "DuckDBExecutor",
    "Executor",
    "MemoryExecutor",
    "NotPushedDown",
    "SparkExecutor",
    "TableDesign",
    "TableReplicateDesign",
    "executor_for",
]
