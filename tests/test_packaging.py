"""One installed package, `reviewlens`: the wheel carries every SQL, template and data file, and every import
goes through `reviewlens.` (a bare `import sql` would pick up whatever else is called `sql`)."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("flows", "models", "reports", "sql")                # installed as reviewlens.<folder>
DATA_SUFFIXES = {".sql", ".j2", ".toml", ".jsonl"}
SKIPPED = {".venv", ".git", "build", "var", "__pycache__", "node_modules"}


def repo_files(pattern: str, under: Path = ROOT) -> list[Path]:
    return sorted(p for p in under.rglob(pattern)
                  if not SKIPPED & set(p.relative_to(ROOT).parts) and not any(s.endswith(".egg-info") for s in p.parts))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    """The wheel pip builds from a copy of the source (building in place would leave build/ in the checkout)."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", *FOLDERS):
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy2
        copy(ROOT / name, source / name, **({"ignore": shutil.ignore_patterns("__pycache__")} if copy is shutil.copytree else {}))
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(source)],
                   check=True, capture_output=True, text=True)
    (built,) = out.glob("reviewlens-*.whl")
    with zipfile.ZipFile(built) as archive:
        yield archive


def test_the_wheel_installs_one_top_level_package(wheel):
    top = {name.split("/", 1)[0] for name in wheel.namelist() if not name.split("/", 1)[0].endswith(".dist-info")}
    assert top == {"reviewlens"}
    entry_points = next(n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt"))
    assert "reviewlens = reviewlens.flows.cli:main" in wheel.read(entry_points).decode()


def test_the_wheel_carries_every_sql_template_and_data_file(wheel):
    data = [p.relative_to(ROOT).as_posix() for folder in FOLDERS for p in repo_files("*", ROOT / folder)
            if p.suffix in DATA_SUFFIXES]
    assert any(d.startswith("sql/views/") for d in data) and any(d.endswith(".j2") for d in data)
    missing = sorted(set(f"reviewlens/{d}" for d in data) - set(wheel.namelist()))
    assert missing == []


def bare_imports(path: Path) -> list[str]:
    """`import sql`, `from models.x import y`, ...: imports of the folders by their bare names."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.split(".")[0] in FOLDERS]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] in FOLDERS:
            found.append(node.module)
    return found


def test_no_python_file_imports_a_folder_by_its_bare_name():
    offenders = {str(p.relative_to(ROOT)): names for p in repo_files("*.py") if (names := bare_imports(p))}
    assert offenders == {}


def test_a_bare_import_is_caught(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import os\nimport sql.report\nfrom models import metrics\nfrom reviewlens.models import terms\n")
    assert bare_imports(sample) == ["sql.report", "models"]


@pytest.mark.parametrize("package, banned", [
    ("reviewlens.reports", ["duckdb", "prefect", "torch"]),     # dataframes in, pages out
    ("reviewlens.models", ["duckdb", "prefect"]),               # no store, no orchestration
])
def test_lower_layers_do_not_import_the_upper_ones(package, banned):
    probe = (f"import importlib, pkgutil, sys\nimport {package} as p\n"
             "for m in pkgutil.iter_modules(p.__path__): importlib.import_module(p.__name__ + '.' + m.name)\n"
             f"print(sorted({{n.split('.')[0] for n in sys.modules}} & {set(banned)!r}))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
