"""One typed place for settings: defaults that work, then `reviewlens.toml`, then `REVIEWLENS_*` env vars."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from reviewlens.flows.errors import UserError

CONFIG_FILE = "reviewlens.toml"
RENAMED = {"score_commit_reviews": "shard_reviews"}                   # old name -> new name
CHOICES = {"allocator": ("default", "lean"), "score_precision": ("auto", "fp32", "bf16", "int8"),
           "device": ("auto", "cpu", "cuda", "mps")}


class ConfigError(UserError):
    """A setting that cannot be used; the message names the setting and the fix."""


@dataclass(frozen=True)
class Settings:
    home: Path = Path("var")              # workspace: database, models, reports, cache
    demo_days: int = 120                  # simulated history the demo spreads its reviews over
    score_batch_tokens: int = 16_384      # token budget of one inference batch
    score_precision: str = "auto"         # encoder matmuls when scoring: auto (bf16 where the CPU has it natively), fp32, bf16, int8
    score_threads: int = 0                # torch threads for scoring, process-wide; 0 = torch's default (all cores)
    score_prefetch_texts: int = 0         # >0: tokenise in chunks of this many texts, the next while the model scores the last
                                          # (wins only with cores torch leaves idle, see score_threads); 0 = all first
    device: str = "auto"                  # torch device: auto, cpu or cuda
    min_alert_volume: int = 20            # reviews needed in both alert windows (last 7 days, 28 before)
    alert_z: float = 3.0                  # two-proportion z needed to raise an alert
    min_product_reviews: int = 20         # products with fewer reviews are not ranked
    min_topic_mentions: int = 3           # mentions before a topic can be a product's worst topic
    examples_per_topic: int = 3           # example reviews per topic and sentiment
    min_term_count: int = 5               # recent reviews a term needs to count as emerging
    emerging_term_z: float = 3.0          # two-proportion z a term's rise needs to count as emerging
    discovery_sample: int = 4_000         # untopiced recent reviews clustered by topic discovery
    timezone: str = ""                    # IANA zone run dates are days in, e.g. "Europe/Berlin"; "" = this machine's
    cache: str = ""                       # downloaded demo data; "" = <home>/cache
    db_memory_limit: str = "512MB"        # DuckDB's memory cap per process (e.g. 4GB for a store of millions); larger queries spill to db_temp_directory
    db_threads: int = 0                   # DuckDB worker threads; 0 = one per core
    db_temp_directory: str = ""           # where DuckDB spills; "" = beside the database (<database>.tmp)
    shard_reviews: int = 2_048            # reviews per scoring shard: one task, one Parquet file, one transaction
    workers: int = 0                      # score on a local Dask cluster of this many processes; 0 = in this process
    dask_address: str = ""                # score on an existing Dask scheduler, e.g. tcp://10.0.0.5:8786 (wins over workers)
    shard_dir: str = ""                   # shard files: a folder or fsspec URL (s3://...) all workers read; "" = <home>/shards
    allocator: str = "default"            # "lean": scoring processes hand freed memory back (lower peak RSS, slower scoring)
    worker_threads: int = 0               # torch threads per Dask worker; 0 = its machine's cores / the worker's task threads

    @property
    def db_path(self) -> Path:
        return self.home / "reviewlens.duckdb"

    @property
    def models_dir(self) -> Path:
        return self.home / "models"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @property
    def cache_dir(self) -> Path:
        return Path(self.cache).expanduser() if self.cache else self.home / "cache"

    @property
    def shard_root(self) -> str:
        """Where scoring shards go: a local folder (as a path) or the fsspec URL `shard_dir` names."""
        if not self.shard_dir:
            return str((self.home / "shards").resolve())
        return self.shard_dir if "://" in self.shard_dir else str(Path(self.shard_dir).expanduser().resolve())


def _coerce(name: str, raw: Any, kind: type) -> Any:
    try:
        if kind is Path:
            return Path(raw).expanduser()
        if kind is int:
            return int(raw)
        if kind is float:
            return float(raw)
        return str(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"setting '{name}' must be {kind.__name__}, got {raw!r}.") from None


def load_settings(config_file: Path | None = None, env: dict[str, str] | None = None) -> Settings:
    """Settings from the config file (if present) overlaid by REVIEWLENS_* environment variables."""
    env = os.environ if env is None else env
    config_file = config_file or Path(env.get("REVIEWLENS_CONFIG", CONFIG_FILE))
    kinds = {f.name: {"Path": Path, "int": int, "float": float}.get(str(f.type), str) for f in fields(Settings)}
    values: dict[str, Any] = {}
    if config_file.is_file():
        try:
            from_file = tomllib.loads(config_file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{config_file} is not valid TOML ({exc}); fix or remove it.") from None
        renamed = sorted(set(from_file) & set(RENAMED))
        if renamed:
            raise ConfigError(f"{config_file}: rename {', '.join(f'{old} to {RENAMED[old]}' for old in renamed)}.")
        unknown = sorted(set(from_file) - set(kinds))
        if unknown:
            raise ConfigError(f"{config_file} has unknown settings {unknown}; known: {sorted(kinds)}.")
        values.update(from_file)
    for name in kinds:
        if f"REVIEWLENS_{name.upper()}" in env:
            values[name] = env[f"REVIEWLENS_{name.upper()}"]
    settings = replace(Settings(), **{k: _coerce(k, v, kinds[k]) for k, v in values.items()})
    for name, allowed in CHOICES.items():
        value = getattr(settings, name)
        if value not in allowed and not (name == "device" and value.startswith("cuda:")):
            raise ConfigError(f"setting '{name}' must be one of {', '.join(allowed)}, got {value!r}.")
    return settings
