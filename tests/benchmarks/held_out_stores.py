"""Held-out stores for the cross-vertical benchmark that no pip package ships as plain data.

Amazon Fine Food reviews (`fine_foods`): the tidymodels modeldata subset of SNAP web-FineFoods (McAuley &
Leskovec, 2013), its `training_data` (4,000) and `testing_data` (1,000) tibbles: 5,000 English food and grocery
reviews with the product's ASIN and `score` "great" (5 stars: 3,258) or "other" (1-4 stars: 1,742); after cleaning,
4,972 distinct texts, 3,239 great and 1,733 other (no duplicate text carries both scores). "Other" includes 4-star,
mostly positive reviews, so it is not "negative": label it "other", never map it onto a sentiment class.
It comes from Debian's r-cran-modeldata 1.1.0-1 (MIT; .deb sha256 pinned below), file
usr/lib/R/site-library/modeldata/data/Rdata.rdb (+ Rdata.rdx), fetched with `apt-get download` into a temporary
folder, checksummed and parsed; R is never installed, and only the rows are cached (`<cache>/fine_foods.parquet`,
checked against a pinned content checksum on every use). The .rdb holds each R object as a 4-byte big-endian
length, b"Z" and a raw LZMA2 stream of R serialization, which PyPI `rdata` parses (the `test` extra). No pickles.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import lzma
import shutil
import struct
import subprocess
import tarfile
import tempfile
import warnings
from pathlib import Path

import pandas as pd

from reviewlens.flows.training.base_corpora import plain_text

FINE_FOODS_PACKAGE = "r-cran-modeldata=1.1.0-1"
FINE_FOODS_DEB_SHA256 = "66c2e08bb4bf695d972b1e72ea44d5af9ada3c42841793d3871017f7b896bf95"
FINE_FOODS_MEMBERS = {       # data.tar member -> sha256
    "./usr/lib/R/site-library/modeldata/data/Rdata.rdb": "2ecef5e8da0f782ae4e3f65d928fe769702accffd8981cc358a3097f6736f58f",
    "./usr/lib/R/site-library/modeldata/data/Rdata.rdx": "c23e1be60f2730fb526ce158a307e154c91a953169fcb8e73350c4e032e14538",
}
FINE_FOODS_SPLITS = ("training_data", "testing_data")
FINE_FOODS_CACHE = "fine_foods.parquet"
# sha256 of the cached rows' content (not of the parquet bytes, which depend on the pyarrow version)
FINE_FOODS_CONTENT_SHA256 = "fa99070f3b7263e0c26f57acb5896845e9e8088ef438e8ae39d72fa5f3642e70"
LABELS = {"great": "positive", "other": "other"}     # "other" is 1-4 stars: it includes mostly positive 4-star reviews

def content_sha256(raw: pd.DataFrame) -> str:
    """Hex sha256 of the rows (split, product, review, score): the same for any cache file format or library version."""
    digest = hashlib.sha256()
    for row in raw[["split", "product", "review", "score"]].itertuples(index=False):
        digest.update("\x1f".join(map(str, row)).encode("utf-8") + b"\x1e")
    return digest.hexdigest()


def _sha256(blob: bytes) -> str:
    return hashlib.sha256(blob).hexdigest()


def _download_deb(dest: Path) -> bytes:
    """The checksum-verified .deb, fetched by apt-get into `dest`."""
    if shutil.which("apt-get") is None:
        raise SystemExit(f"apt-get is not on PATH, and the Fine Food reviews come from the Debian package "
                         f"{FINE_FOODS_PACKAGE}: run this benchmark on Debian bookworm or a machine with that package.")
    result = subprocess.run(["apt-get", "download", FINE_FOODS_PACKAGE], cwd=dest, capture_output=True, text=True)
    debs = sorted(dest.glob("*.deb"))
    if result.returncode != 0 or len(debs) != 1:
        tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        raise SystemExit(f"apt-get could not download {FINE_FOODS_PACKAGE} ({tail[0]}): run `apt-get update` "
                         "and check network access to the Debian mirror.")
    blob = debs[0].read_bytes()
    if _sha256(blob) != FINE_FOODS_DEB_SHA256:
        raise SystemExit(f"{debs[0].name} from apt-get fails its checksum (expected sha256 {FINE_FOODS_DEB_SHA256[:12]}…, "
                         f"got {_sha256(blob)[:12]}…): the mirror serves another build, so it is not used.")
    return blob


def ar_members(blob: bytes) -> dict[str, bytes]:
    """Members of a Unix `ar` archive (a .deb): b"!<arch>\\n", then per member a 60-byte header (name 16, mtime 12,
    uid 6, gid 6, mode 8, size 10, b"`\\n") and the data, padded to an even length."""
    if not blob.startswith(b"!<arch>\n"):
        raise ValueError("not an ar archive")
    members, at = {}, 8
    while at + 60 <= len(blob):
        header = blob[at:at + 60]
        if header[58:60] != b"`\n":
            raise ValueError(f"bad ar header at byte {at}")
        name, size = header[:16].decode("ascii").strip().rstrip("/"), int(header[48:58])
        members[name] = blob[at + 60:at + 60 + size]
        at += 60 + size + size % 2
    return members


def _rdata_files(deb: bytes) -> dict[str, bytes]:
    """Rdata.rdb and Rdata.rdx by file name, from the .deb's data.tar.*, each checksum-verified."""
    data_tar = next(blob for name, blob in ar_members(deb).items() if name.startswith("data.tar"))
    out = {}
    with tarfile.open(fileobj=io.BytesIO(data_tar), mode="r:*") as archive:
        for member, sha in FINE_FOODS_MEMBERS.items():
            extracted = archive.extractfile(member)
            blob = extracted.read() if extracted else b""
            if _sha256(blob) != sha:
                raise SystemExit(f"{member} in {FINE_FOODS_PACKAGE} does not match its pinned checksum, so it is not used.")
            out[Path(member).name] = blob
    return out


def _r_object(rdb: bytes, rdx: bytes, name: str) -> pd.DataFrame:
    """One R object from a lazy-load database: the .rdx (gzipped R serialization) maps names to (offset, length)
    in the .rdb; each entry is a big-endian uncompressed length, b"Z" and a raw LZMA2 stream."""
    import rdata

    with warnings.catch_warnings():      # "assumed RDS", tibble classes read as data.frame: both expected
        warnings.simplefilter("ignore", UserWarning)
        index = rdata.conversion.convert(rdata.parser.parse_data(gzip.decompress(rdx)))
        offset, length = (int(x) for x in index["variables"][name])
        entry = rdb[offset:offset + length]
        size, kind = struct.unpack(">I", entry[:4])[0], entry[4:5]
        if kind != b"Z":
            raise ValueError(f"{name}: compression type {kind!r}, expected LZMA (b'Z')")
        serialized = lzma.decompress(entry[5:], format=lzma.FORMAT_RAW,
                                     filters=[{"id": lzma.FILTER_LZMA2, "preset": 9 | lzma.PRESET_EXTREME}])
        if len(serialized) != size:
            raise ValueError(f"{name}: {len(serialized)} bytes decompressed, the header says {size}")
        return rdata.conversion.convert(rdata.parser.parse_data(serialized, expand_altrep=True))


def fine_foods_raw(cache: Path) -> pd.DataFrame:
    """The 5,000 rows as shipped (split, product, review, score), from `<cache>/fine_foods.parquet` once fetched;
    the cache is checked against the pinned content checksum every time."""
    target = cache / FINE_FOODS_CACHE
    if not target.exists():
        with tempfile.TemporaryDirectory() as tmp:
            files = _rdata_files(_download_deb(Path(tmp)))
        parts = [_r_object(files["Rdata.rdb"], files["Rdata.rdx"], split).assign(split=split) for split in FINE_FOODS_SPLITS]
        raw = pd.concat(parts, ignore_index=True)[["split", "product", "review", "score"]].astype(str)
        cache.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")
        raw.to_parquet(partial, index=False)
        partial.replace(target)
    raw = pd.read_parquet(target)
    if content_sha256(raw) != FINE_FOODS_CONTENT_SHA256:
        raise SystemExit(f"{target} does not hold the pinned Fine Food reviews (content checksum differs): delete it to re-fetch.")
    return raw


def fine_foods(cache: Path) -> pd.DataFrame:
    """`text` and `label` of the 4,972 distinct reviews: 3,239 "positive" (5 stars), 1,733 "other" (1-4 stars)."""
    return labelled_reviews(fine_foods_raw(cache))


def labelled_reviews(raw: pd.DataFrame) -> pd.DataFrame:
    """`text` (cleaned; empty and exact duplicate texts dropped, the first kept) and `label` from `review` and `score`."""
    frame = pd.DataFrame({"text": raw["review"].map(plain_text), "label": raw["score"].map(LABELS)})
    frame = frame[frame["text"] != ""]
    return frame.drop_duplicates("text").reset_index(drop=True)
