"""A message for the app's pages: the same one-line errors the CLI prints, with its flags
and commands put in the page's words. The core's messages name flags because the CLI is
where most of them are read; a person in the app has controls and pages instead."""

import re

# Whole phrases first: where a flag stands for an action, the page says the action.
_PHRASES = (
    ("(widen --days)", "(widen the window)"),
    ("; widen --days", "; widen the window"),
    ("(pass --as-of inside it)", "(pick an as-of date inside it)"),
    (
        "an --as-of after that (or --include-in-sample to see them, labelled in-sample)",
        "a later as-of date",
    ),
    ("; train a better one, or pass --model RUN_ID to use a model anyway", "; train a better one"),
    ("run `mlb train` first", "train one on the Train page first"),
    ("run `mlb train`", "train one on the Train page"),
)
# Any other flag is the control of the same name.
_FLAG = re.compile(r"(?<![\w-])--([a-z][a-z0-9-]*)")
_CONTROL_NAMES = {"as-of": "as-of date", "days": "window (days)"}


def in_app_words(message: str) -> str:
    for phrase, words in _PHRASES:
        message = message.replace(phrase, words)
    return _FLAG.sub(lambda m: "the " + _CONTROL_NAMES.get(m[1], m[1].replace("-", " ")), message)
