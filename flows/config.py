"""One typed place for settings: defaults that work, then `reviewlens.toml`, then `REVIEWLENS_*` env vars.
Every value is checked against its setting's rule (RULES) when Settings is built, so a bad one stops the command
with one sentence instead of scoring wrong or failing later with a traceback."""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from datetime import date
from pathlib import Path
from typing import Any

from reviewlens.flows.errors import UserError

CONFIG_FILE = "reviewlens.toml"
RENAMED = {"score_commit_reviews": "shard_reviews"}                   # old name -> new name


class ConfigError(UserError):
    """A setting that cannot be used; the message names the setting and the fix."""


@dataclass(frozen=True)
class Settings:
    home: Path = Path("var")              # workspace: database, models, reports, cache
    demo_days: int = 120                  # simulated history the demo spreads its reviews over
    score_batch_tokens: int = 2_048       # token budget of one inference batch (smaller: less memory; GPUs want more)
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
    allocator: str = "bounded"            # how scoring processes give freed memory back (flows/allocator.py): bounded, lean, glibc
    worker_threads: int = 0               # torch threads per Dask worker; 0 = its machine's cores / the worker's task threads
    store_wait_seconds: float = 900.0     # how long a nightly run waits for another process (an ingest, a live query) to let go of the store
    created_at_floor: str = "2000-01-01"  # reviews dated before this day are accepted but counted in a warning at ingest

    def __post_init__(self) -> None:
        """However Settings is built (loaded, replaced, or by hand in a flow), a value outside its rule stops here."""
        for f in fields(self):
            value = getattr(self, f.name)
            if not RULES[f.name].ok(value):
                raise ConfigError(_refusal(f.name, _as_toml(value)))

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


@dataclass(frozen=True)
class Rule:
    """What one setting takes: `allowed` in words (for the sentence), `ok` for a value of the setting's type, and how
    its REVIEWLENS_* text and its TOML value become one (raising ValueError when they cannot)."""
    allowed: str
    ok: Callable[[Any], bool]
    from_text: Callable[[str], Any] = str
    from_toml: Callable[[Any], Any] = lambda value: value


def _whole(least: int) -> Rule:
    """Integers only: TOML 3.7, true (bool is not int) and the text "3.7" are refused, not rounded."""
    return Rule(f"a whole number from {least} up", lambda v: type(v) is int and v >= least, int)


def _number(least: float, inclusive: bool = False) -> Rule:
    """Finite floats (a TOML integer is taken as one); true, nan and inf are refused."""
    def ok(v: Any) -> bool:
        return type(v) in (int, float) and math.isfinite(v) and (v >= least if inclusive else v > least)
    words = f"a number from {least:g} up" if inclusive else f"a number above {least:g}"
    return Rule(words, ok, float, lambda v: float(v) if type(v) is int else v)


def _one_of(*options: str) -> Rule:
    return Rule(f"one of {', '.join(options)}", lambda v: v in options)


def _path(value: Any) -> Any:
    return Path(value).expanduser() if isinstance(value, str) and value else value


_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*(?:([KMGT])(i?))?B", re.IGNORECASE)


def _size_bytes(text: Any) -> float:
    """Bytes in a DuckDB size such as 512MB (10^6) or 1.5GiB (2^30); 0 for anything else."""
    found = _SIZE.fullmatch(text.strip()) if isinstance(text, str) else None
    if not found:
        return 0
    prefix, binary = (found[2] or "").upper(), bool(found[3])
    return float(found[1]) * (1024 if binary else 1000) ** ("KMGT".index(prefix) + 1 if prefix else 0)


def _is_zone(name: Any) -> bool:
    """An IANA zone flows/clock.py can use, or "" (this machine's)."""
    if not isinstance(name, str) or name == "":
        return name == ""
    from zoneinfo import ZoneInfo                      # only when a zone is set: keeps `import config` cheap
    try:
        ZoneInfo(name)
    except (KeyError, ValueError, OSError):            # not found, not a key (../x), a folder of zones (Europe)
        return False
    return True


def _is_day(text: Any) -> bool:
    """YYYY-MM-DD and a real day (not 2023-02-30): the form SQL and date.fromisoformat both read."""
    if not isinstance(text, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


_TEXT = Rule("text", lambda v: isinstance(v, str))
_COUNT, _ZERO_OR_MORE = _whole(1), _whole(0)
_Z = _number(0)

# Every setting's rule; Settings refuses to be built with a field that has none.
RULES: dict[str, Rule] = {
    "home": Rule("a folder path", lambda v: isinstance(v, Path), _path, _path),
    "demo_days": _COUNT,
    # One batch must hold the longest sequence a model takes: least_padding_batches (models/batching.py) asks a
    # budget under it for more batches than rows, whose empty batches fail (8 -> ValueError), and one of 0 or below
    # for none at all (0 -> ZeroDivisionError, -5 -> every review silently neutral). The presets' encoders take
    # max_len 128 tokens (models/presets.py); 512 keeps 4 such rows a batch, and room for a longer-context encoder.
    "score_batch_tokens": _whole(512),
    "score_precision": _one_of("auto", "fp32", "bf16", "int8"),
    "score_threads": _ZERO_OR_MORE,
    "score_prefetch_texts": _ZERO_OR_MORE,
    "device": Rule("one of auto, cpu, cuda, mps or cuda:<index>",
                   lambda v: v in ("auto", "cpu", "cuda", "mps") or isinstance(v, str) and bool(re.fullmatch(r"cuda:\d+", v))),
    "min_alert_volume": _COUNT,
    "alert_z": _Z,
    "min_product_reviews": _COUNT,
    "min_topic_mentions": _COUNT,
    "examples_per_topic": _ZERO_OR_MORE,
    "min_term_count": _COUNT,
    "emerging_term_z": _Z,
    "discovery_sample": _ZERO_OR_MORE,                 # 0 = no topic discovery
    "timezone": Rule("an IANA time zone such as 'Europe/Berlin' or '' for this machine's", _is_zone),
    "cache": _TEXT,
    # DuckDB cannot even open the store under a few MB (1MB: Out of Memory while applying the schema).
    "db_memory_limit": Rule("a size of at least 16MB such as 512MB or 4GB", lambda v: _size_bytes(v) >= 16e6),
    "db_threads": _ZERO_OR_MORE,
    "db_temp_directory": _TEXT,
    "shard_reviews": _COUNT,
    "workers": _ZERO_OR_MORE,
    "dask_address": _TEXT,
    "shard_dir": _TEXT,
    "allocator": _one_of("bounded", "lean", "glibc"),
    "worker_threads": _ZERO_OR_MORE,
    "store_wait_seconds": _number(0, inclusive=True),
    "created_at_floor": Rule("a date written YYYY-MM-DD", _is_day, str, lambda v: v.isoformat() if type(v) is date else v),
}


def _as_toml(value: Any) -> str:
    """A value as a config file would spell it, for the sentence: true, 3.7, '0MB', 2000-01-01T00:00:00."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, date):
        return value.isoformat()
    return repr(str(value) if isinstance(value, Path) else value)


def _refusal(name: str, shown: str, where: str = "") -> str:
    return f"setting '{name}' must be {RULES[name].allowed}, got {shown}{where}."


def _checked(name: str, raw: Any, from_env: bool, config_file: Path) -> Any:
    """The setting's value from a REVIEWLENS_* text or a TOML value, or the sentence saying why not and where from."""
    rule = RULES[name]
    try:
        value = rule.from_text(raw) if from_env else rule.from_toml(raw)
    except (TypeError, ValueError):
        value = None
    if value is None or not rule.ok(value):
        where = f" (from REVIEWLENS_{name.upper()})" if from_env else f" (in {config_file})"
        raise ConfigError(_refusal(name, repr(raw) if from_env else _as_toml(raw), where))
    return value


def load_settings(config_file: Path | None = None, env: dict[str, str] | None = None) -> Settings:
    """Settings from the config file (if present) overlaid by REVIEWLENS_* environment variables."""
    env = os.environ if env is None else env
    config_file = config_file or Path(env.get("REVIEWLENS_CONFIG", CONFIG_FILE))
    values: dict[str, Any] = {}
    if config_file.is_file():
        try:
            from_file = tomllib.loads(config_file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{config_file} is not valid TOML ({exc}); fix or remove it.") from None
        renamed = sorted(set(from_file) & set(RENAMED))
        if renamed:
            raise ConfigError(f"{config_file}: rename {', '.join(f'{old} to {RENAMED[old]}' for old in renamed)}.")
        unknown = sorted(set(from_file) - set(RULES))
        if unknown:
            raise ConfigError(f"{config_file} has unknown settings {unknown}; known: {sorted(RULES)}.")
        values.update({name: _checked(name, raw, False, config_file) for name, raw in from_file.items()})
    for name in RULES:
        if f"REVIEWLENS_{name.upper()}" in env:
            values[name] = _checked(name, env[f"REVIEWLENS_{name.upper()}"], True, config_file)
    return replace(Settings(), **values)
