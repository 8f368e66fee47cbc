"""Docstring examples are tests: every `>>>` example in reviewlens.models, reviewlens.reports and reviewlens.flows.ingest must hold."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

PACKAGES = ("reviewlens.models", "reviewlens.reports", "reviewlens.flows.ingest")
MODULES = [f"{package}.{info.name}" for package in PACKAGES
           for info in pkgutil.iter_modules(importlib.import_module(package).__path__)]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed (printed above)"


def test_the_collector_finds_the_examples():
    finder = doctest.DocTestFinder()
    examples = sum(len(t.examples) for name in MODULES for t in finder.find(importlib.import_module(name)))
    assert examples >= 10
