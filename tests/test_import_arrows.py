"""Which way the imports point (docs/architecture.md, "layers"): reports/ is dataframes in, HTML out and imports neither
flows/ nor models/; models/ never imports flows/ or reports/; scoring never reaches the training code; reading review
files and fetching data files never loads torch. Imports are read with `ast`, in every function too (a lazy import is
an arrow all the same), leaving out `if TYPE_CHECKING:` blocks, which never run."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("flows", "models", "reports", "sql")          # installed as reviewlens.<folder>
TRAINING = ("reviewlens.models.finetune", "reviewlens.models.pretrain", "reviewlens.flows.training")


def module_file(name: str) -> Path | None:
    """The file of a reviewlens module in this checkout (None: not one of ours, or no such module)."""
    parts = name.split(".")
    if parts[0] != "reviewlens" or len(parts) < 2 or parts[1] not in FOLDERS:
        return None
    base = ROOT.joinpath(*parts[1:])
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(("reviewlens", *(parts[:-1] if parts[-1] == "__init__" else parts)))


def _runs(tree: ast.AST):
    """Every node of the tree except those under `if TYPE_CHECKING:`."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (n for child in node.orelse for n in (child, *_runs(child)))
            continue
        yield node
        yield from _runs(node)


def imports(path: Path) -> set[str]:
    """The reviewlens modules a file imports (`from package import module` names the module)."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found = set()
    for node in _runs(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names if module_file(f"{base}.{alias.name}")}
    return {name for name in found if module_file(name)}


def reachable(name: str) -> dict[str, list[str]]:
    """Every reviewlens module importing `name` can load, with the chain of imports that reaches it."""
    chains, todo = {name: [name]}, [name]
    while todo:
        current = todo.pop()
        for child in sorted(imports(module_file(current))):
            if child not in chains:
                chains[child] = [*chains[current], child]
                todo.append(child)
    return chains


def files_of(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def test_the_reader_sees_every_kind_of_import_and_skips_type_checking_blocks(tmp_path, monkeypatch):
    folder = tmp_path / "models"
    folder.mkdir()
    for name in ("__init__", "a", "b", "c", "d"):
        (folder / f"{name}.py").write_text("")
    (folder / "sample.py").write_text(
        "from typing import TYPE_CHECKING\nimport os\nimport reviewlens.models.a\nfrom reviewlens.models import b\n"
        "from . import c\nif TYPE_CHECKING:\n    from reviewlens.models import d\n"
        "def later():\n    from reviewlens.models.d import thing\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert imports(folder / "sample.py") == {"reviewlens.models", "reviewlens.models.a", "reviewlens.models.b",
                                             "reviewlens.models.c", "reviewlens.models.d"}
    (folder / "sample.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import reviewlens.models.d\n")
    assert imports(folder / "sample.py") == set()


@pytest.mark.parametrize("path", files_of("reports"), ids=lambda p: p.name)
def test_reports_import_neither_flows_nor_models(path):
    assert sorted(n for n in imports(path) if n.startswith(("reviewlens.flows", "reviewlens.models"))) == []


@pytest.mark.parametrize("path", files_of("models"), ids=lambda p: p.name)
def test_models_import_neither_flows_nor_reports(path):
    assert sorted(n for n in imports(path) if n.startswith(("reviewlens.flows", "reviewlens.reports"))) == []


@pytest.mark.parametrize("module", ["reviewlens.models.inference", "reviewlens.models.predict",
                                    *(module_name(p) for p in files_of("flows/scoring"))])
def test_scoring_never_reaches_the_training_code(module):
    """The model a night scores with is loaded and run without the training loop, its optimiser or its flow."""
    chains = reachable(module)
    assert [" -> ".join(chain) for name, chain in chains.items() if name.startswith(TRAINING)] == []


@pytest.mark.parametrize("module", ["reviewlens.flows.ingest.files", "reviewlens.flows.ingest.demo_data"])
def test_reading_review_files_and_fetching_data_files_never_loads_torch(module):
    probe = f"import sys, {module}; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    assert result.stdout.strip() == "False"


def longest_chain(start: str, end: str, within: str) -> list[str]:
    """The longest import chain (no module twice) from `start` to `end` through modules under `within`."""
    best: list[str] = []

    def walk(chain: list[str]) -> None:
        nonlocal best
        if chain[-1] == end:
            best = max(best, chain, key=len)
            return
        for child in sorted(imports(module_file(chain[-1]))):
            if child.startswith(within) and child not in chain:
                walk([*chain, child])

    walk([start])
    return best


def test_the_cli_reaches_the_store_in_at_most_five_steps_of_flows():
    chain = longest_chain("reviewlens.flows.cli", "reviewlens.flows.store.connection", "reviewlens.flows")
    assert chain, "the CLI does not reach the store at all: the reader is broken"
    assert len(chain) - 1 <= 5, " -> ".join(chain)
