"""A small, learnable bilingual review set built from templates: real files, real ingest, no mocks."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd

EN_POSITIVE = ["I love this dress, the fabric is soft", "Great fit and beautiful colour", "Perfect size, very comfortable",
               "Gorgeous style, true to size", "Lovely material and great price", "So cute and flattering, love it"]
EN_NEGATIVE = ["The zipper broke, poor quality", "Runs small and the fabric is cheap", "Terrible fit, returned it",
               "Ugly colour and itchy material", "Too tight and uncomfortable, awful", "Cheaply made, fell apart after one wash"]
EN_NEUTRAL = ["It is okay, nothing special", "Fine for the price, average fit", "Decent but the colour is a bit off",
              "Not bad, not great, kept it"]
ZH_POSITIVE = ["质量很好，物流很快", "衣服很漂亮，很喜欢", "酒店位置很好，早餐丰富", "性价比很高，推荐购买", "服务态度很好，满意"]
ZH_NEGATIVE = ["质量太差，很失望", "物流太慢，包装破损", "房间很脏，服务很差", "电池不耐用，系统经常死机", "尺码偏小，退货了"]


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
