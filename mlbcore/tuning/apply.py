"""`mlb tune --apply`: the best trial's settings written into the settings file's
``[models.<target>]`` table, with a comment naming the study, trial and score and a
``tuned_by`` value the next training run records. The rest of the file (other tables,
other keys of that table, comments) is kept line for line.

The file is edited as text, not re-rendered from parsed TOML (which would drop every
comment): the table's lines for the written keys are replaced, or the table is added at
the end. The result is parsed and validated before it replaces the file."""

import json
import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from mlbcore.errors import MlbError
from mlbcore.files import write_atomically
from mlbcore.settings import ModelConfigs
from mlbcore.targets import Target

COMMENT_PREFIX = "# mlb tune --apply:"


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value))  # a TOML basic string


def applied_text(text: str, target: Target, values: dict[str, Any], comment: str) -> str:
    """``text`` (a TOML document) with ``values`` set in its ``[models.<target>]`` table
    under ``comment`` (one line); a table it lacks is added at the end. ``MlbError`` when
    the document sets that table some other way (dotted keys, an inline table)."""
    header = re.compile(rf"^\s*\[\s*models\s*\.\s*{target.value}\s*\]\s*(#.*)?$")
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if header.match(line)), None)
    written = [f"{COMMENT_PREFIX} {comment}"] + [
        f"{k} = {toml_value(v)}" for k, v in values.items()
    ]
    if start is None:
        parsed = tomllib.loads(text)
        if target.value in parsed.get("models", {}):
            raise MlbError(
                f"the settings file sets models.{target.value} other than as a "
                f"[models.{target.value}] table; move those keys into such a table and apply again"
            )
        blank = [""] if lines and lines[-1].strip() else []
        return "\n".join([*lines, *blank, f"[models.{target.value}]", *written]) + "\n"
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("[")), len(lines)
    )
    key = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")
    kept = [
        line
        for line in lines[start + 1 : end]
        if not line.startswith(COMMENT_PREFIX)
        and not ((found := key.match(line)) and found.group(1) in values)
    ]
    return "\n".join([*lines[: start + 1], *written, *kept, *lines[end:]]) + "\n"


def apply_settings(path: Path, target: Target, values: dict[str, Any], comment: str) -> None:
    """Write ``values`` (and ``tuned_by`` = ``comment``) into ``path``'s
    ``[models.<target>]`` table, creating the file if needed; validated before it is
    written, so a failure leaves the file as it was."""
    try:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
    except (OSError, UnicodeDecodeError) as error:
        raise MlbError(f"cannot read the settings file {path}: {error}") from None
    new = applied_text(text, target, {**values, "tuned_by": comment}, comment)
    try:
        models = tomllib.loads(new).get("models", {})
        ModelConfigs.model_validate(models)
    except tomllib.TOMLDecodeError as error:
        raise MlbError(
            f"the settings file {path} is not valid TOML ({error}); fix it first"
        ) from None
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(map(str, first["loc"]))
        raise MlbError(
            f"the settings file {path} has an invalid models.{where}: {first['msg']}"
        ) from None
    write_atomically(path, lambda temporary: Path(temporary).write_text(new, encoding="utf-8"))
