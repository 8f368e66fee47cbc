"""A small, learnable bilingual review set built from templates: real files, real ingest, no mocks; and `restoring`,
which puts a shared workspace back after a test that changed it."""

from __future__ import annotations

import os
import random
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd

from reviewlens.flows.store.snapshot import snapshot_path

EN_POSITIVE = ["I love this dress, the fabric is soft", "Great fit and beautiful colour", "Perfect size, very comfortable",
               "Gorgeous style, true to size", "Lovely material and great price", "So cute and flattering, love it",
               "The colour is lovely, so soft"]
EN_NEGATIVE = ["The zipper broke, poor quality", "Runs small and the fabric is cheap", "Terrible fit, returned it",
               "Ugly colour and itchy material", "Too tight and uncomfortable, awful", "Cheaply made, fell apart after one wash"]
EN_NEUTRAL = ["It is okay, nothing special", "Fine for the price, average fit", "Decent but the colour is a bit off",
              "Not bad, not great, kept it"]
ZH_POSITIVE = ["质量很好，物流很快", "衣服很漂亮，很喜欢", "酒店位置很好，早餐丰富", "性价比很高，推荐购买", "服务态度很好，满意"]
ZH_NEGATIVE = ["质量太差，很失望", "物流太慢，包装破损", "房间很脏，服务很差", "电池不耐用，系统经常死机", "尺码偏小，退货了"]

# Sentences the fixture never writes, made of words it does: what a model must get right to have learnt words, not
# memorised templates (the fixture's own test split shares its templates with training).
UNSEEN = {
    ("en", "positive"): ["Love the soft fabric and the colour", "Beautiful style, perfect fit", "Great material, so comfortable",
                         "Very flattering dress at a lovely price", "The size is perfect and I love the colour",
                         "Gorgeous and soft, great dress"],
    ("en", "negative"): ["Cheap material, it broke after a wash", "Awful zipper and poor fabric", "Itchy, tight and ugly",
                         "The fit is terrible and the colour is ugly", "Poor quality, it fell apart, returned",
                         "Uncomfortable and cheaply made"],
    ("zh", "positive"): ["早餐很好，很满意", "包装很好，推荐", "物流很快，衣服漂亮", "服务很好，性价比高", "位置很好，很喜欢"],
    ("zh", "negative"): ["服务太差，退货了", "衣服破损，很失望", "包装太差，物流很慢", "早餐很差，房间太脏", "质量很差，经常死机"],
}


def fixture_frames(n_en: int = 360, n_zh: int = 240, seed: int = 0, end: datetime = datetime(2026, 11, 27),
                   prefix: str = "") -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = random.Random(seed)
    rows = []
    for i in range(n_en):
        kind = rng.choices(["pos", "neg", "neu"], [0.5, 0.3, 0.2])[0]
        pool = {"pos": EN_POSITIVE, "neg": EN_NEGATIVE, "neu": EN_NEUTRAL}[kind]
        rating = {"pos": rng.choice([4, 5]), "neg": rng.choice([1, 2]), "neu": 3}[kind]
        body = f"{rng.choice(pool)}. {rng.choice(pool)} #{i}"
        rows.append({"review_id": f"{prefix}en-{i}", "product_id": f"p{i % 6}", "category": ["Dresses", "Knits"][i % 2],
                     "rating": rating, "title": None, "body": body,
                     "created_at": end - timedelta(days=i % 40, hours=i % 7), "label": None})
    en = pd.DataFrame(rows)
    rows = []
    for i in range(n_zh):
        positive = rng.random() < 0.5
        pool = ZH_POSITIVE if positive else ZH_NEGATIVE
        rows.append({"review_id": f"{prefix}zh-{i}", "product_id": "zh-product", "category": None, "rating": None, "title": None,
                     "body": f"{rng.choice(pool)}，{rng.choice(pool)}。编号{i}",
                     "created_at": end - timedelta(days=i % 40), "label": "positive" if positive else "negative"})
    return en, pd.DataFrame(rows)


def write_fixture(folder: Path, **kwargs) -> list[Path]:
    en, zh = fixture_frames(**kwargs)
    folder.mkdir(parents=True, exist_ok=True)
    tag = kwargs.get("prefix", "")
    paths = [folder / f"fixture_{tag}en.parquet", folder / f"fixture_{tag}zh.parquet"]
    en.to_parquet(paths[0], index=False)
    zh.to_parquet(paths[1], index=False)
    return paths


@contextmanager
def restoring(settings) -> Iterator[None]:
    """Put a shared workspace (the session's trained_home) back as it was when the block ends, whatever the block
    did: the store, its model folders and its reports."""
    saved = Path(tempfile.mkdtemp(prefix="reviewlens-saved-"))
    db_files = [settings.db_path, settings.db_path.with_name(settings.db_path.name + ".wal"), snapshot_path(settings.home)]
    models = set(os.listdir(settings.models_dir)) if settings.models_dir.exists() else set()
    for path in db_files:
        if path.exists():
            shutil.copy2(path, saved / path.name)
    if settings.reports_dir.exists():
        shutil.copytree(settings.reports_dir, saved / "reports", symlinks=True)
    try:
        yield
    finally:
        for path in db_files:
            path.unlink(missing_ok=True)
            if (saved / path.name).exists():
                shutil.copy2(saved / path.name, path)
        for name in set(os.listdir(settings.models_dir)) - models if settings.models_dir.exists() else ():
            shutil.rmtree(settings.models_dir / name, ignore_errors=True)
        shutil.rmtree(settings.reports_dir, ignore_errors=True)
        if (saved / "reports").exists():
            shutil.copytree(saved / "reports", settings.reports_dir, symlinks=True)
        shutil.rmtree(saved, ignore_errors=True)
