"""The documentation: the README is a manual that opens with the two commands, the figure pages are exactly what
`make docs` writes from the committed JSON, and every file, macro and module the README and the architecture page
name exists."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
ARCHITECTURE = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
PAGES = {"README.md": README, "docs/architecture.md": ARCHITECTURE}
PACKAGE_FOLDERS = ("flows", "models", "reports", "sql")
EXTENSIONS = ("py", "sql", "toml", "jsonl", "json", "j2", "md")


@pytest.fixture
def generator():
    """docs/generate.py as a module (docs/ is not a package)."""
    spec = importlib.util.spec_from_file_location("docs_generate", ROOT / "docs" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---- the figure pages

def test_the_committed_figure_pages_are_what_make_docs_writes_from_the_committed_json(generator):
    for name, text in generator.pages().items():
        assert (ROOT / "docs" / name).read_text(encoding="utf-8") == text, f"docs/{name} was edited by hand: run make docs"


def test_every_json_under_docs_data_is_read_by_a_page(generator):
    known = {generator.MODEL, *generator.BENCHMARKS, *generator.MODEL_BENCHMARKS}
    assert {p.name for p in (ROOT / "docs" / "data").glob("*.json")} <= known


def test_a_missing_measurement_reads_not_measured_yet_with_the_command_that_measures_it(generator, tmp_path, monkeypatch):
    monkeypatch.setattr(generator, "DATA", tmp_path)
    pages = generator.pages()
    for name, (_, _, command) in {**generator.BENCHMARKS, **generator.MODEL_BENCHMARKS}.items():
        page = pages["performance.md" if name in generator.BENCHMARKS else "model.md"]
        assert f"Not measured yet: run `{command}`" in page
    assert "Not measured yet: run `reviewlens train --preset demo`" in pages["model.md"]
    assert not re.search(r"\d\.\d", pages["performance.md"]), "a figure without JSON behind it"


def test_a_benchmarks_json_becomes_its_tables(generator, tmp_path, monkeypatch):
    monkeypatch.setattr(generator, "DATA", tmp_path)
    (tmp_path / "bench_scale.json").write_text(json.dumps({
        "reviews": 100000, "machine": {"cores": 2},
        "results": {"in-process": {"seconds": 155.9, "reviews_per_s": 641.2}, "1": {"seconds": 288.3, "reviews_per_s": 347.0}},
    }))
    page = generator.pages()["performance.md"]
    section = page.split("## Scaling out", 1)[1].split("\n## ", 1)[0]
    assert "- reviews: 100,000" in section and "- machine.cores: 2" in section
    assert "| name | seconds | reviews_per_s |" in section
    assert "| in-process | 155.9 | 641.2 |" in section and "| 1 | 288.3 | 347.0 |" in section
    assert "Not measured yet" not in section


def test_review_text_in_a_json_cannot_break_a_table(generator):
    assert generator.fmt("a | b\nc") == "a \\| b c"


# ---- the README

def test_the_readme_opens_with_the_two_commands():
    first_lines = README.splitlines()[:8]
    assert first_lines[0].startswith("# ")
    block = README.split("```", 2)[1]
    assert block.strip() == "make demo\nmake test"
    assert README.index("```") < README.index("\n## ")


def test_the_readme_is_a_manual_of_at_most_250_lines():
    assert len(README.splitlines()) <= 250


def test_the_readme_types_no_measured_figures_and_no_paths_of_one_machine():
    # Figures live in the generated pages; the README links them.
    assert not re.search(r"\d[\d,.]*\s*(reviews/s|rows/s|texts/s|tokens/s|GFLOP|%|x faster|× )", README), \
        "a measured figure typed into the README"
    assert "peak RSS of" not in README and "RSS MB" not in README
    assert not re.search(r"\b0\.\d{3}\b", README), "a model figure typed into the README"
    for phrase in ("this machine", "2-core", "2 cores", "Before this work", "/tmp/", "/work/", "/home/"):
        assert phrase not in README, phrase
    for page in ("docs/model.md", "docs/performance.md", "docs/architecture.md"):
        assert f"]({page})" in README


def test_ci_runs_the_readmes_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text() and "make test" in README.split("```", 2)[1]


# ---- every name the pages give exists

PATH = re.compile(r"(?<![\w/.<-])((?:flows|models|reports|sql|tests|docs)/[\w/.-]*?\.(?:%s))(?![\w])" % "|".join(EXTENSIONS))


@pytest.mark.parametrize("page", PAGES)
def test_every_file_path_named_exists(page):
    named = set(PATH.findall(PAGES[page]))
    assert len(named) >= 5
    assert sorted(p for p in named if not (ROOT / p).exists()) == []


def test_every_file_the_folder_list_names_is_in_its_folder():
    block = ARCHITECTURE.split("## The folders", 1)[1].split("```", 2)[1]
    folder, missing, checked = None, [], 0
    for line in block.splitlines():
        if line[:1] not in (" ", ""):
            folder = ROOT / line.split()[0]
            assert folder.is_dir(), line.split()[0]
        for name in re.findall(r"(?<![\w*/.-])([\w-]+\.(?:py|sql|toml|jsonl|j2|md))\b", line):
            checked += 1
            top = ROOT / folder.relative_to(ROOT).parts[0]                 # 'after schema.sql' under sql/migrations/
            if not any(folder.rglob(name)) and not (top / name).exists():
                missing.append(f"{folder.relative_to(ROOT)}: {name}")
    assert checked >= 40 and missing == []


def defined_macros() -> set[str]:
    return set(re.findall(r"CREATE OR REPLACE MACRO (\w+)", (ROOT / "sql" / "macros.sql").read_text()))


def test_the_macro_table_lists_exactly_the_macros_sql_macros_defines():
    rows = ARCHITECTURE.split("| macro | what it returns |", 1)[1].split("\n\n", 1)[0].splitlines()[2:]
    listed = {name for row in rows for name in re.findall(r"`(\w+)", row.split("|")[1])}
    assert listed == defined_macros()


@pytest.mark.parametrize("page", PAGES)
def test_every_macro_named_is_defined(page):
    named = set(re.findall(r"macros? `(\w+)`(?:[ /]+`(\w+)`)?", PAGES[page]))
    assert sorted({n for pair in named for n in pair if n} - defined_macros()) == []


MODULE_FILES = {p.relative_to(ROOT).with_suffix("").as_posix(): p for folder in PACKAGE_FOLDERS[:3]
                for p in (ROOT / folder).rglob("*.py")}


def module_file(name: str) -> Path | None:
    """`flows/nightly/insights`, `nightly/insights`, `insights` -> the one file it names (None: none or ambiguous)."""
    found = [p for key, p in MODULE_FILES.items() if key == name or key.endswith("/" + name)]
    return found[0] if len(found) == 1 else None


def defines(path: Path, attr: str) -> bool:
    return bool(re.search(rf"^\s*(?:async\s+)?(?:def|class)\s+{attr}\b|^\s*{attr}\s*[:=]", path.read_text(encoding="utf-8"), re.M))


@pytest.mark.parametrize("page", PAGES)
def test_every_module_attribute_named_exists(page):
    """`flows/nightly/insights.rebuild_insights`, `finetune_step.train_classifier`: the module has the function."""
    missing, checked = [], 0
    for module, attr in re.findall(r"`((?:[\w]+/)*\w+)\.([A-Za-z_]\w*)(?:\.\w+)*(?:\(\))?`?", PAGES[page]):
        if attr in EXTENSIONS or (path := module_file(module)) is None:
            continue
        checked += 1
        if not defines(path, attr):
            missing.append(f"{module}.{attr}")
    assert missing == []


@pytest.mark.parametrize("page", PAGES)
def test_every_reviewlens_module_named_exists(page):
    """`reviewlens.flows.cli`, `reviewlens.reports.dashboard.ReportData`: a module, then what it defines."""
    missing = []
    for name in set(re.findall(r"\breviewlens\.(?:flows|models|reports|sql)\b(?:\.\w+)*", PAGES[page])):
        parts = name.split(".")
        known = max((i for i in range(2, len(parts) + 1) if module_path(parts[:i])), default=0)
        rest = parts[known:]
        if known < 2 or rest and not defines(module_path(parts[:known]), rest[0]):
            missing.append(name)
    assert missing == []


def module_path(parts: list[str]) -> Path | None:
    """The file of reviewlens.<folder>[.<module>...] in this checkout (None when there is none)."""
    base = ROOT.joinpath(*parts[1:])
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.exists():
            return path
    return None
