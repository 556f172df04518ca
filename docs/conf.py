"""Sphinx configuration of fastapml's documentation.

Build (warnings are errors, no network needed)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

``-D plot_gallery=0`` skips running the gallery's examples.
"""

import os
import re
import sys

from sphinx_gallery.sorting import ExplicitOrder

# autodoc and the gallery import this checkout's fastapml, installed or not.
sys.path.insert(0, os.path.abspath(".."))

import fastapml  # noqa: E402

project = "fastapml"
author = "the fastapml developers"
copyright = "2026, the fastapml developers"
version = release = fastapml.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

exclude_patterns = ["_build"]
templates_path = ["_templates"]
default_role = "code"

# API reference: one page per public name, from its numpydoc docstring.
autosummary_generate = True
autosummary_imported_members = True
numpydoc_show_class_members = False
numpydoc_xref_param_type = False
# numpydoc's validation hook: these checks are enforced on every documented
# public object (a failure is a warning, and -W makes it an error).
#   GL08  the object has a docstring
#   PR01  every parameter is documented      PR02  no unknown parameters
#   PR04  each parameter has a type           PR07  and a description
#   RT01  a Returns section where something is returned
#   SS06  the summary fits on one line
numpydoc_validation_checks = {"GL08", "PR01", "PR02", "PR04", "PR07", "RT01", "SS06"}
numpydoc_validation_exclude = {r"\.__init__$"}

# The gallery: every examples/<topic>/plot_*.py runs and its figures are kept;
# topics in the user guide's order.
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "subsection_order": ExplicitOrder(
        [
            f"../examples/{topic}"
            for topic in (
                "hmm",
                "mixture",
                "cluster",
                "nn",
                "denoise",
                "calculus",
                "dask",
            )
        ]
    ),
    "within_subsection_order": "FileNameSortKey",
    "filename_pattern": r"/plot_",
    "abort_on_example_error": True,
    "matplotlib_animations": False,
    "remove_config_comments": True,
    "doc_module": ("fastapml",),
    "backreferences_dir": "api/generated/backreferences",
    "min_reported_time": 1,
    "show_memory": False,
    "download_all_examples": False,
}

html_theme = "pydata_sphinx_theme"
html_title = f"fastapml {release}"
html_static_path = ["_static"]
html_css_files = ["fastapml.css"]
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    "secondary_sidebar_items": ["page-toc"],
}
html_show_sourcelink = False
html_context = {"default_mode": "light"}

# scikit-learn's metadata-routing and parameter plumbing, inherited unchanged:
# its own docs describe it, and its docstrings cite sklearn's glossary.
_SKLEARN_PLUMBING = re.compile(
    r"^(set_\w+_request|get_metadata_routing|get_params|set_params|set_output)$"
)


def _skip_sklearn_plumbing(app, what, name, obj, skip, options):
    return True if _SKLEARN_PLUMBING.match(name) else None


def setup(app):
    app.connect("autodoc-skip-member", _skip_sklearn_plumbing)
