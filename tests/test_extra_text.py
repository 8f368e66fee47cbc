"""Extra unlabelled text for pretraining: one text per line, bad files refused with the line to fix."""

from __future__ import annotations

import pytest

from reviewlens.flows.errors import UserError
from reviewlens.flows.training.extra_text import read_extra_texts


def test_each_non_blank_line_is_one_text_across_files(tmp_path):
    (tmp_path / "a.txt").write_text("第一句话。\n\n  second line  \n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("third\r\n", encoding="utf-8")
    assert read_extra_texts([tmp_path / "a.txt", tmp_path / "b.txt"]) == ["第一句话。", "second line", "third"]


def test_invalid_utf8_names_the_file_and_line(tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes("好的\n".encode("utf-8") + "质量很好\n".encode("gbk"))
    with pytest.raises(UserError, match=r"gbk\.txt line 2 is not valid UTF-8"):
        read_extra_texts([path])


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        read_extra_texts([tmp_path / "nope.txt"])


def test_extra_text_joins_the_tokenizer_and_mlm_corpus_but_not_the_evaluation(tmp_path, con, db_path):
    from rich.console import Console

    from reviewlens.flows.ingest.files import ingest_file
    from reviewlens.flows.training.pretrain_step import load_corpus, run_pretraining
    from reviewlens.models.checkpoint import load_checkpoint
    from reviewlens.models.presets import PRESETS
    from tests.fixtures import write_fixture

    for path in write_fixture(tmp_path / "input"):
        ingest_file(con, path)
    con.close()
    corpus = load_corpus(db_path)
    extra = ["the quokka smiles at the quokka keeper"] * 50
    folder = run_pretraining(tmp_path / "models", corpus, PRESETS["tiny"], Console(quiet=True), extra)
    ckpt = load_checkpoint(folder)
    assert "quokka" in ckpt.tokenizer.get_vocab()
    assert ckpt.metrics["pretrain"]["extra_texts"] == 50
    held_out = corpus.frame[corpus.frame["split"] == "test"]
    evaluated = {key for key, value in ckpt.metrics["pretrain"].items() if isinstance(value, dict)}
    assert evaluated == set(held_out["language"])   # per-language held-out reviews only, never the extra text


def test_a_preset_without_mlm_steps_trains_only_the_tokenizer(db_path, con, tmp_path):
    from dataclasses import replace

    from rich.console import Console

    from reviewlens.flows.ingest.files import ingest_file
    from reviewlens.flows.training.pretrain_step import load_corpus, run_pretraining
    from reviewlens.models.checkpoint import load_checkpoint
    from reviewlens.models.presets import PRESETS
    from reviewlens.models.pretrain import PretrainConfig
    from tests.fixtures import write_fixture

    for path in write_fixture(tmp_path / "input"):
        ingest_file(con, path)
    con.close()
    preset = replace(PRESETS["tiny"], pretrain=PretrainConfig(steps=0))
    ckpt = load_checkpoint(run_pretraining(tmp_path / "models", load_corpus(db_path), preset, Console(quiet=True)))
    assert ckpt.tokenizer.get_vocab_size() > 100
    assert ckpt.metrics["pretrain"]["steps"] == 0 and ckpt.metrics["pretrain"]["loss_curve"] == []
