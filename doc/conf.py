"""Sphinx configuration of the sklearn-relu documentation.

Build with ``make -C doc html`` (the ``docs`` extra of ``setup.cfg`` installs the
tools); ``make -C doc html-noplot`` skips running the gallery examples, and
``SKLEARN_RELU_DOCS_OFFLINE=1`` skips fetching the intersphinx inventories.
"""

import os
import sys

import matplotlib

matplotlib.use("Agg")  # the gallery and any plotting code run without a display

# Document the package of this source tree, even if another copy is installed.
sys.path.insert(0, os.path.abspath(".."))

import sklearn_relu  # noqa: E402

# -- Project ------------------------------------------------------------------

project = "sklearn-relu"
author = "The sklearn-relu developers"
copyright = "The sklearn-relu developers"
release = sklearn_relu.__version__
version = ".".join(release.split(".")[:2])

# -- General ------------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "sphinxcontrib.bibtex",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
root_doc = "index"
# `text` in reST and in docstrings renders as inline code.
default_role = "literal"

# -- autodoc / autosummary / numpydoc -----------------------------------------

autosummary_generate = True
# Document the members this package defines (including those of its private base
# classes); the standard methods inherited from scikit-learn (get_params, set_params,
# score, metadata routing) are named by the class template and documented by
# scikit-learn. Their docstrings link to labels of scikit-learn's own documentation,
# which resolve only through intersphinx, i.e. never in an offline build.
autodoc_default_options = {
    "members": True,
    "inherited-members": "BaseEstimator, RegressorMixin, ClassifierMixin, TransformerMixin",
    "exclude-members": ", ".join(
        ["get_metadata_routing"]
        + [
            f"set_{method}_request"
            for method in ("fit", "partial_fit", "predict", "predict_proba", "score", "transform")
        ]
    ),
}
autodoc_typehints = "none"  # the numpydoc sections carry the types

numpydoc_show_class_members = False  # methods are listed by the class template
numpydoc_class_members_toctree = False

# -- bibliography -------------------------------------------------------------

bibtex_bibfiles = ["references.bib"]
bibtex_default_style = "alpha"
bibtex_reference_style = "label"

# -- intersphinx ----------------------------------------------------------------

intersphinx_mapping = {
    "python": ("https://docs.python.org/3", None),
    "numpy": ("https://numpy.org/doc/stable/", None),
    "sklearn": ("https://scikit-learn.org/stable/", None),
}
# Without network access the inventories cannot be fetched and each one costs a
# warning; SKLEARN_RELU_DOCS_OFFLINE=1 skips them (links into Python, NumPy and
# scikit-learn then render as plain text).
if os.environ.get("SKLEARN_RELU_DOCS_OFFLINE"):
    intersphinx_mapping = {}

# -- sphinx-gallery -----------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "doc_module": ("sklearn_relu",),
    "reference_url": {"sklearn_relu": None},
    "backreferences_dir": os.path.join("generated", "backreferences"),
    "remove_config_comments": True,
}

# -- HTML -----------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-relu {release}"
html_theme_options = {
    "show_toc_level": 2,
    "navigation_with_keys": False,
}
