"""One vocabulary: every parameter name that two estimators share is in the glossary of
``doc/design.rst``, so it has one documented meaning; retired names stay retired.
"""

import re
from collections import defaultdict
from pathlib import Path

import pytest

from sklearn_relu.utils import all_estimators

DESIGN = Path(__file__).resolve().parents[1] / "doc" / "design.rst"

# Names that meant two things, or one thing under several names, before the glossary.
RETIRED = {
    "selection",  # scikit-learn's Lasso: coordinate order
    "holdout_fraction",  # validation_fraction
    "max_epochs",  # max_iter
    "max_steps",
    "n_units",  # n_hidden
    "bias",  # hidden_bias
    "fit_output_intercept",  # fit_intercept
    "diagnostics_every",  # log_every
}


def _glossary_names():
    text = DESIGN.read_text()
    start = text.index("Glossary of parameters")
    section = text[start : text.index("\n----", text.index("list-table", start))]
    rows = re.findall(r"^   \* - (.+)$", section, flags=re.M)
    return {name for row in rows for name in re.findall(r"``(\w+)``", row)}


def _parameter_users():
    users = defaultdict(list)
    for name, cls in all_estimators():
        for param in cls().get_params(deep=False):
            users[param].append(name)
    return users


def test_glossary_is_found():
    names = _glossary_names()
    # a parse that silently found nothing would make the next test vacuous
    assert {"alpha", "max_iter", "n_jobs", "validation_fraction", "hidden_bias"} <= names


def test_every_shared_parameter_is_in_the_glossary():
    glossary = _glossary_names()
    shared = {p: u for p, u in _parameter_users().items() if len(u) > 1}
    missing = {p: u for p, u in shared.items() if p not in glossary}
    assert not missing, f"shared parameters without a glossary entry: {missing}"


@pytest.mark.parametrize("name", sorted(RETIRED))
def test_retired_names_are_not_parameters(name):
    users = _parameter_users().get(name, [])
    assert not users, f"{name!r} is retired (see the glossary) but used by {users}"
