"""Scoring speed: our production path against the same trained weights run through Hugging Face transformers.

One process, the same reviews (default 20,000 demo reviews of both languages at their natural lengths, in a
fixed pseudo-random arrival order), the same weights:

- reference: transformers' XLMRobertaXLModel holding our encoder's weights (tests/benchmarks/hf_reference.py;
  BertForSequenceClassification cannot hold them: BERT is post-LayerNorm, our encoder pre-LayerNorm), our
  n-gram embeddings in through `inputs_embeds`, our pooling, heads, wide path and calibration on its last
  hidden state; batches of 64 in arrival order, tokenised per batch and padded to the longest,
  torch.inference_mode, fp32: how most people run such a model.
- ours: ReviewModel.score, review-level (aspects off) for the ratio, and the full path (clauses + aspects)
  beside it, for each variant of ScoringOptions asked for (`--variants`, default: fp32 and the settings'
  defaults).

Reported: reviews/s and the ratio to the reference (target >= 3x), the model-only time, achieved GFLOP/s
(useful FLOPs of the real tokens / wall time) against a plain torch.mm of the encoder's matrix shapes in fp32
and in the variant's own precision (target >= 60%), padded tokens / real tokens (target < 10%), peak RSS
during each phase, and agreement of review sentiment with the reference (target >= 99.9% in fp32).
Prints a table and writes <home>/bench/bench_scoring.json.

    python tests/benchmarks/bench_scoring.py --home var [--source /tmp/exp/demo] [--reviews 20000]
        [--variants fp32 bf16 int8 default]
    (--source: a workspace with demo reviews and an active model, e.g. after `make demo`; default --home)
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import platform
import sys
import threading
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import psutil
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))      # `tests.benchmarks.*` when run as a script

from reviewlens.flows.config import load_settings  # noqa: E402
from reviewlens.flows.scoring.options import ScoringProfile  # noqa: E402
from reviewlens.models.batching import least_padding_batches, pad  # noqa: E402
from reviewlens.models.encoder import EncoderConfig  # noqa: E402
from reviewlens.models.inference import ReviewModel, ScoringOptions  # noqa: E402
from reviewlens.models.precision import native_bf16  # noqa: E402
from reviewlens.models.predict import predict_logits  # noqa: E402
from reviewlens.models.tokenizer import encode  # noqa: E402

REFERENCE_BATCH = 64


VARIANTS = {                                              # one step each, to measure what each buys
    "fp32": ScoringOptions(precision="fp32"),                               # tokenise everything, then compute
    "fp32-1thread": ScoringOptions(precision="fp32", threads=1),            # thread settings
    "fp32-prefetch": ScoringOptions(precision="fp32", prefetch_texts=2_048),  # tokenise the next chunk meanwhile
    "int8": ScoringOptions(precision="int8"),
    "bf16": ScoringOptions(precision="bf16"),
    "bf16-prefetch": ScoringOptions(precision="bf16", prefetch_texts=2_048),
}


def release_memory() -> None:
    """Free what earlier phases left (garbage, glibc's cached arenas), so each phase starts from the same floor."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):                   # not glibc: nothing to trim
        pass


class PeakRSS:
    """The largest resident set size seen while the block runs (sampled every 5 ms), and its rise over the start."""

    def __enter__(self) -> "PeakRSS":
        release_memory()
        self.proc, self.running = psutil.Process(), True
        self.start = self.peak = self.proc.memory_info().rss
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _sample(self) -> None:
        while self.running:
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(0.005)

    def __exit__(self, *exc) -> None:
        self.running = False
        self.thread.join()
        self.peak = max(self.peak, self.proc.memory_info().rss)

    @property
    def mb(self) -> float:
        return self.peak / 2**20

    @property
    def rise_mb(self) -> float:
        return (self.peak - self.start) / 2**20


def load_reviews(source: Path, n: int) -> tuple[list[str], dict[str, int]]:
    """n demo reviews, both languages, natural lengths, in a fixed pseudo-random (arrival) order."""
    import duckdb
    con = duckdb.connect(str(source / "reviewlens.duckdb"), read_only=True)
    try:
        rows = con.execute("SELECT body, language FROM reviews ORDER BY md5(review_id) LIMIT ?", [n]).fetchall()
    finally:
        con.close()
    languages: dict[str, int] = {}
    for _, lang in rows:
        languages[lang] = languages.get(lang, 0) + 1
    return [r[0] for r in rows], languages


def active_model_folder(source: Path) -> Path:
    from reviewlens.flows.store.connection import connect
    from reviewlens.flows.store.registry import require_active
    con = connect(source / "reviewlens.duckdb", read_only=True)
    try:
        return require_active(con, source / "models")[1]
    finally:
        con.close()


def useful_flops(cfg: EncoderConfig, lengths: np.ndarray) -> float:
    """Forward FLOPs of the encoder on the real tokens only: projections, feed-forward, attention scores and mix."""
    C, F, L = cfg.d_model, cfg.d_ff, cfg.n_layers
    return float(2 * L * (4 * C * C + 2 * C * F) * lengths.sum() + L * 4 * C * (lengths.astype(np.float64) ** 2).sum())


def mm_gflops(cfg: EncoderConfig, rows: int, dtype: torch.dtype) -> float:
    """Plain torch.mm GFLOP/s over the encoder's matrix shapes (rows x C @ C x 3C, C x C, C x F, F x C)."""
    C, F = cfg.d_model, cfg.d_ff
    pairs = [(torch.randn(rows, k, dtype=dtype), torch.randn(k, m, dtype=dtype)) for k, m in ((C, 3 * C), (C, C), (C, F), (F, C))]
    flops = sum(2 * rows * b.shape[0] * b.shape[1] for _, b in pairs)
    for a, b in pairs:
        torch.mm(a, b)
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(10):
            for a, b in pairs:
                torch.mm(a, b)
        best = min(best, (time.perf_counter() - started) / 10)
    return flops / best / 1e9


def padding_ratio(lengths: list[int], batches: list[list[int]]) -> float:
    padded = sum(len(b) * max(lengths[i] for i in b) for b in batches)
    return padded / sum(lengths) - 1.0


def our_batches(lengths: list[int], options: ScoringOptions, max_tokens: int) -> list[list[int]]:
    """The batches ReviewModel.score forms: least-padding batches within each tokenised chunk."""
    size, out = options.prefetch_texts if options.prefetch_texts > 0 else len(lengths), []
    for start in range(0, len(lengths), size):
        out += [[start + i for i in b] for b in least_padding_batches(lengths[start : start + size], max_tokens)]
    return out


def run_reference(model: ReviewModel, texts: list[str]) -> dict:
    from tests.benchmarks.hf_reference import HFReference
    ref = HFReference(model.classifier)
    labels, real, padded = [], 0, 0

    def score(batch_texts: list[str]) -> list[int]:
        nonlocal real, padded
        ids, mask = pad(encode(model.tokenizer, batch_texts, model.max_len))
        real, padded = real + int(mask.sum()), padded + mask.numel()
        with torch.inference_mode():
            s_logits, t_logits, _ = ref(ids, mask)
            probs = model.classifier.calibrated(s_logits)
            torch.sigmoid(t_logits)
        return probs.argmax(1).tolist()

    score(texts[:REFERENCE_BATCH])                                                   # warm-up
    seconds = float("inf")
    with PeakRSS() as rss:
        for _ in range(2):                                                           # best of two: the machine is shared
            real, padded, labels = 0, 0, []
            started = time.perf_counter()
            for start in range(0, len(texts), REFERENCE_BATCH):
                labels += score(texts[start : start + REFERENCE_BATCH])
            seconds = min(seconds, time.perf_counter() - started)
    return {"seconds": seconds, "reviews_per_s": len(texts) / seconds, "padding": padded / real - 1.0,
            "peak_rss_mb": rss.mb, "rss_rise_mb": rss.rise_mb, "labels": labels}


def run_ours(model: ReviewModel, texts: list[str], lengths: list[int], max_tokens: int) -> dict:
    from reviewlens.models.classifier import SENTIMENTS
    model.score(texts[:2_000], max_tokens)                                           # warm-up: kernels for many shapes
    review_s = float("inf")
    with PeakRSS() as rss:
        for _ in range(2):                                                           # best of two: the machine is shared
            started = time.perf_counter()
            scored = model.score(texts, max_tokens, aspects=False, embeddings=False)
            review_s = min(review_s, time.perf_counter() - started)
    with PeakRSS() as rss_full:
        started = time.perf_counter()
        full = model.score(texts, max_tokens, aspects=True, embeddings=False)
        full_s = time.perf_counter() - started
    sequences, model_s = encode(model.tokenizer, texts, model.max_len), float("inf")
    for _ in range(2):
        started = time.perf_counter()
        predict_logits(model.scorer, sequences, max_tokens)
        model_s = min(model_s, time.perf_counter() - started)
    index = {s: i for i, s in enumerate(SENTIMENTS)}
    return {"seconds": review_s, "reviews_per_s": len(texts) / review_s, "model_only_s": model_s,
            "full_seconds": full_s, "full_reviews_per_s": len(texts) / full_s,
            "aspects": sum(len(s.aspects) for s in full),
            "padding": padding_ratio(lengths, our_batches(lengths, model.options, max_tokens)),
            "peak_rss_mb": rss.mb, "rss_rise_mb": rss.rise_mb, "full_peak_rss_mb": rss_full.mb,
            "full_rss_rise_mb": rss_full.rise_mb, "labels": [index[s.sentiment] for s in scored]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--home", type=Path, default=Path("var"), help="workspace the JSON goes under (<home>/bench/)")
    parser.add_argument("--source", type=Path, default=None, help="workspace with demo reviews and an active model (default: --home)")
    parser.add_argument("--model", type=Path, default=None, help="a classifier checkpoint folder (default: the source's active model)")
    parser.add_argument("--reviews", type=int, default=20_000)
    parser.add_argument("--variants", nargs="+", default=["fp32", "default"],
                        help=f"'default' (the settings' scoring options) and any of {', '.join(VARIANTS)}")
    args = parser.parse_args()
    source = args.source or args.home
    default = ScoringProfile.from_settings(load_settings()).options      # what the nightly run scores with
    max_tokens = default.batch_tokens
    folder = args.model or active_model_folder(source)
    texts, languages = load_reviews(source, args.reviews)

    results: dict[str, dict] = {}
    threads = torch.get_num_threads()
    for name in args.variants:
        torch.set_num_threads(threads)                   # a variant's `threads` is process-wide: undo the last one
        options = default if name == "default" else VARIANTS[name]
        model = ReviewModel.load(folder, "cpu", options)
        cfg = model.classifier.encoder.cfg
        lengths = [len(s) for s in encode(model.tokenizer, texts, model.max_len)]
        results[name] = {"options": asdict(options), "precision": model.precision,
                         **run_ours(model, texts, lengths, max_tokens)}
        del model

    torch.set_num_threads(threads)
    model = ReviewModel.load(folder, "cpu", ScoringOptions(precision="fp32"))
    reference = run_reference(model, texts)
    flops = useful_flops(cfg, np.array(lengths))
    mm = {"fp32": mm_gflops(cfg, max_tokens, torch.float32)}
    if any(r["precision"].startswith("bf16") for r in results.values()):
        mm["bf16"] = mm_gflops(cfg, max_tokens, torch.bfloat16)
    reference["gflops"] = flops / reference["seconds"] / 1e9
    for r in results.values():
        r["ratio"] = r["reviews_per_s"] / reference["reviews_per_s"]
        r["gflops"] = flops / r["seconds"] / 1e9
        r["model_gflops"] = flops / r["model_only_s"] / 1e9
        r["share_of_fp32_mm"] = r["gflops"] / mm["fp32"]
        r["share_of_own_mm"] = r["gflops"] / mm.get(r["precision"][:4], mm["fp32"])
        r["agreement"] = float(np.mean(np.array(r.pop("labels")) == np.array(reference["labels"])))
    reference.pop("labels")

    print(f"{len(texts):,} reviews ({', '.join(f'{k} {v:,}' for k, v in sorted(languages.items()))}), "
          f"{sum(lengths):,} real tokens, torch {torch.__version__}, {torch.get_num_threads()} threads, native bf16: {native_bf16()}")
    print(f"plain torch.mm of the encoder's shapes ({max_tokens} rows): " + ", ".join(f"{k} {v:,.0f} GFLOP/s" for k, v in mm.items()))
    head = (f"{'path':<22}{'reviews/s':>10}{'ratio':>7}{'model s':>9}{'GFLOP/s':>9}{'%mm32':>7}{'%mm own':>8}{'pad':>7}"
            f"{'RSS MB':>8}{'+MB':>6}{'agree':>9}{'full rev/s':>11}{'full RSS':>9}{'+MB':>6}")
    print(head)
    print("-" * len(head))
    print(f"{'reference (HF, b=64)':<22}{reference['reviews_per_s']:>10,.0f}{1.0:>7.2f}{'':>9}{reference['gflops']:>9,.1f}"
          f"{reference['gflops'] / mm['fp32']:>7.0%}{'':>8}{reference['padding']:>7.1%}{reference['peak_rss_mb']:>8,.0f}"
          f"{reference['rss_rise_mb']:>6,.0f}")
    for name, r in results.items():
        label = f"ours {name} ({r['precision']})" if name == "default" else f"ours {name}"
        print(f"{label:<22}{r['reviews_per_s']:>10,.0f}{r['ratio']:>7.2f}{r['model_only_s']:>9.2f}{r['gflops']:>9,.1f}"
              f"{r['share_of_fp32_mm']:>7.0%}{r['share_of_own_mm']:>8.0%}{r['padding']:>7.1%}{r['peak_rss_mb']:>8,.0f}"
              f"{r['rss_rise_mb']:>6,.0f}{r['agreement']:>9.2%}{r['full_reviews_per_s']:>11,.0f}{r['full_peak_rss_mb']:>9,.0f}"
              f"{r['full_rss_rise_mb']:>6,.0f}")

    out = {"reviews": len(texts), "languages": languages, "real_tokens": int(sum(lengths)), "model": folder.name,
           "machine": {"cpu": platform.processor() or platform.machine(), "cores": psutil.cpu_count(logical=False),
                       "threads": torch.get_num_threads(), "native_bf16": native_bf16(), "torch": torch.__version__},
           "max_tokens": max_tokens, "mm_gflops": mm, "useful_gflop": flops / 1e9, "reference": reference, "ours": results}
    path = args.home / "bench" / "bench_scoring.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
