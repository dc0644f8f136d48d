"""A target's model as an MLflow pyfunc: the saved ``TargetModel`` folder is the model's
one artifact, and ``predict`` calls ``TargetModel.predict``, so a pyfunc user and
`mlb predict` get the same numbers.

MLflow pickles the wrapper by reference to this importable class (``mlbcore`` is
installed wherever the models are loaded); the boosters travel as LightGBM model strings.
"""

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
from mlflow.pyfunc.model import PythonModel

from mlbcore.training.target_model import TargetModel

ARTIFACT = "target_model"  # the artifact's key, and its folder inside the logged model


def model_input(frame: pl.DataFrame, features: tuple[str, ...]) -> pd.DataFrame:
    """``features`` of ``frame`` as pandas float64 columns, missing values as NaN: what the
    logged signature describes and the pyfunc accepts."""
    return pd.DataFrame(
        frame.select(features).to_numpy().astype(np.float64), columns=list(features)
    )


class TargetModelPyfunc(PythonModel):
    """MLflow's face of a ``TargetModel``."""

    # MLflow would validate inputs from predict's type hints (it accepts only list[...]) and
    # warns when there are none; the logged signature (float64 features) is the schema.
    _skip_type_hint_validation = True

    def load_context(self, context: Any) -> None:
        self.model = TargetModel.load(Path(context.artifacts[ARTIFACT]))

    # Untyped on purpose: MLflow reads these hints as an input schema (see above).
    def predict(self, context, model_input, params=None):  # pyright: ignore[reportIncompatibleMethodOverride]  # hints would be an input schema
        frame = pl.from_pandas(pd.DataFrame(model_input), nan_to_null=False)
        return self.model.predict(frame)
