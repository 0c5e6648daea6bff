"""dbt with Python models on a local Spark: `method: session` runs them in the dbt process.

dbt-spark 1.11 submits dbt Python models to Databricks only (submission methods
`job_cluster` and `all_purpose_cluster`). This launcher adds a `session` method to
dbt-spark's SparkAdapter, the default when the profile's method is `session`: it executes
the compiled model (the model's code, then dbt-spark's `py_write_table`, which calls
`model(dbt, spark)` and saves the table) with `spark` = the SparkSession dbt's session
connection uses. Then it runs dbt's command line. Run it under .venv-spark from the project
directory (README "### Spark"):

    .venv-spark/bin/python -m signalhouse.spark_dbt build --target spark ...

Other profile methods (thrift, http, odbc) keep dbt-spark's default (`all_purpose_cluster`).
"""

from __future__ import annotations

import sys
from typing import Any

from dbt.adapters.base import PythonJobHelper
from dbt.adapters.spark.connections import SparkConnectionMethod, SparkCredentials
from dbt.adapters.spark.impl import SparkAdapter
from dbt.cli.main import cli

SESSION_METHOD = "session"


class SessionPythonJobHelper(PythonJobHelper):
    """Runs a compiled dbt Python model in this process, on the dbt session's SparkSession."""

    def __init__(self, parsed_model: dict, credential: SparkCredentials) -> None:
        if credential.method != SparkConnectionMethod.SESSION:
            raise ValueError(
                f"submission_method '{SESSION_METHOD}' needs a profile with method: session "
                f"(this one has {credential.method}): remove submission_method from the model "
                "config or run dbt on a session profile"
            )
        self.model_id = parsed_model["unique_id"]
        self.credential = credential

    def submit(self, compiled_code: str) -> Any:
        from pyspark.sql import SparkSession

        # The same builder as dbt-spark's session cursor: getOrCreate returns its session.
        builder = SparkSession.builder.enableHiveSupport()
        for parameter, value in self.credential.server_side_parameters.items():
            builder = builder.config(parameter, value)
        code = compile(compiled_code, f"<dbt Python model {self.model_id}>", "exec")
        exec(code, {"__name__": self.model_id, "spark": builder.getOrCreate()})  # noqa: S102
        return None


_databricks_helpers = SparkAdapter.python_submission_helpers.fget
_databricks_default = SparkAdapter.default_python_submission_method.fget


def _python_submission_helpers(adapter: SparkAdapter) -> dict[str, type[PythonJobHelper]]:
    return {**_databricks_helpers(adapter), SESSION_METHOD: SessionPythonJobHelper}


def _default_python_submission_method(adapter: SparkAdapter) -> str:
    if adapter.config.credentials.method == SparkConnectionMethod.SESSION:
        return SESSION_METHOD
    return _databricks_default(adapter)


def register_session_submission() -> None:
    """Add the `session` submission method to SparkAdapter, default on session profiles."""
    SparkAdapter.python_submission_helpers = property(_python_submission_helpers)
    SparkAdapter.default_python_submission_method = property(_default_python_submission_method)


if __name__ == "__main__":
    register_session_submission()
    sys.argv[0] = "dbt"
    sys.exit(cli())
