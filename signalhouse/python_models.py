"""The engine-specific steps of the dbt Python models, on DuckDB and on Spark.

A dbt Python model gets `dbt.ref()` as a DuckDB relation on DuckDB and as a pyspark
DataFrame on Spark (`python -m signalhouse.spark_dbt`, README "### Spark"); its `session`
is a DuckDB connection or the SparkSession. The models compute on pandas frames: these
functions read a relation into pandas and hand the result back with the same column types
on both engines. pyspark is imported only on Spark.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

# Result column types, as Spark SQL names them (DuckDB infers the same from the frame).
_PYTHON_VALUE = {"string": str, "boolean": bool, "bigint": int, "double": float}


def is_spark(relation_or_session: Any) -> bool:
    """A pyspark DataFrame or SparkSession (else DuckDB's relation or connection)."""
    return type(relation_or_session).__module__.startswith("pyspark.")


def to_pandas(relation: Any, columns: list[str] | None = None) -> pd.DataFrame:
    """The relation as a pandas frame (on Spark only `columns`, when given: the frame keeps
    those, so that no other column type needs converting)."""
    if not is_spark(relation):
        return relation.df()
    return (relation.select(*columns) if columns else relation).toPandas()


def from_pandas(session: Any, frame: pd.DataFrame, types: dict[str, str]) -> Any:
    """The model's result: on DuckDB the frame itself (DuckDB writes NaN as NULL); on Spark a
    DataFrame with `types` (column: Spark SQL type), NaN and missing values as null as on
    DuckDB. Declared, not inferred: dbt-spark would infer a pandas frame's Spark types from
    its values, which an empty frame or an all-null column does not have."""
    if not is_spark(session):
        return frame
    converters = [_PYTHON_VALUE[data_type] for data_type in types.values()]
    rows = [
        tuple(
            None if pd.isna(value) else convert(value)
            for convert, value in zip(converters, row, strict=True)
        )
        for row in frame[list(types)].itertuples(index=False, name=None)
    ]
    schema = ", ".join(f"`{column}` {data_type}" for column, data_type in types.items())
    return session.createDataFrame(rows, schema=schema)
