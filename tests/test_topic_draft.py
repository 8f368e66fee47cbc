"""`reviewlens topics suggest`: topic discovery's candidates as a draft topics.toml that an operator edits and trains
with, written whole or not at all, never over a file without --force."""

from __future__ import annotations

from pathlib import Path

from reviewlens.flows.config import Settings
from reviewlens.flows.store.connection import connect
from reviewlens.flows.training.topic_draft import draft_text
from reviewlens.models.taxonomy import default_taxonomy_text, load_taxonomy, parse_taxonomy
from tests.test_cli import cli

HOSTILE = 'Battery died.\n[quality]\nen = ["x"] """ \x00\x7f ' + "x" * 400


def test_the_draft_keeps_the_active_topics_and_adds_each_candidate_with_its_words_as_seed_words():
    text = draft_text(default_taxonomy_text(), "demo-1", [(143, "en", ["battery", "charger", "hours"], ["It died"]),
                                                          (12, "zh", ["电池", "充电"], ["电池不行"])], "topics.toml")
    taxonomy = parse_taxonomy(text)
    assert taxonomy.ids == [*load_taxonomy().ids, "candidate_battery_charger", "candidate_电池_充电"]
    assert taxonomy.topics[-2].en == ("battery", "charger", "hours")
    assert taxonomy.topics[-1].zh == ("电池", "充电")
    assert "# 143 English reviews in the cluster\n# e.g. It died\n[candidate_battery_charger]" in text
    assert "reviewlens train --topics topics.toml" in text


def test_a_review_in_the_draft_cannot_break_the_file_or_add_a_topic():
    text = draft_text("", None, [(5, "en", ['say "hi"', "quality"], [HOSTILE])], "draft.toml")
    taxonomy = parse_taxonomy(text)
    assert taxonomy.ids == ["candidate_say_hi_quality"]
    assert taxonomy.topics[0].en == ('say "hi"', "quality")
    example = next(line for line in text.splitlines() if line.startswith("# e.g."))
    assert len(example) < 200 and example.endswith("…")


def test_a_candidate_named_like_a_topic_gets_another_name():
    text = draft_text('[candidate_quality]\nen = ["q"]\n', None, [(5, "en", ["quality"], []), (4, "en", ["quality"], [])], "t.toml")
    assert parse_taxonomy(text).ids == ["candidate_quality", "candidate_quality_2", "candidate_quality_3"]


def store_with_candidates(home: Path, candidates: bool = True) -> None:
    (home / "r.csv").write_text("review_id,product_id,body,created_at\nr1,p,The battery died after a day,2026-01-01\n")
    assert cli("ingest", str(home / "r.csv"), home=home).returncode == 0
    if candidates:
        with connect(Settings(home=home).db_path) as con:
            con.execute("INSERT INTO topic_candidates (candidate_id, size, terms, example_ids, language) "
                        "VALUES (0, 41, ['battery', 'died'], ['r1'], 'en')")


def test_topics_suggest_writes_a_draft_and_will_not_overwrite_it_without_force(tmp_path):
    store_with_candidates(tmp_path)
    draft = tmp_path / "draft.toml"
    made = cli("topics", "suggest", "--output", str(draft), home=tmp_path)
    assert made.returncode == 0, made.stderr
    assert "1 candidate" in made.stdout
    taxonomy = load_taxonomy(draft)
    assert taxonomy.ids == ["candidate_battery_died"]
    assert "# e.g. The battery died after a day" in draft.read_text()
    draft.write_text("# my edits\n")
    refused = cli("topics", "suggest", "--output", str(draft), home=tmp_path)
    assert refused.returncode == 2
    assert refused.stderr.strip() == f"reviewlens: {draft} exists; pass --force to replace it, or --output another file."
    assert draft.read_text() == "# my edits\n"
    assert cli("topics", "suggest", "--output", str(draft), "--force", home=tmp_path).returncode == 0
    assert load_taxonomy(draft).ids == ["candidate_battery_died"]
    assert sorted(p.name for p in tmp_path.glob("draft*")) == ["draft.toml"]          # no partial file left


def test_topics_suggest_without_candidates_writes_nothing_and_says_why(tmp_path):
    store_with_candidates(tmp_path, candidates=False)
    result = cli("topics", "suggest", "--output", str(tmp_path / "draft.toml"), home=tmp_path)
    assert result.returncode == 0
    assert "no topic candidates stored" in result.stdout
    assert not (tmp_path / "draft.toml").exists()
