"""GPU check, seconds on a CUDA machine: a tiny fine-tune and a score pass, asserting both ran on CUDA.

Not collected by pytest (no CUDA in CI); run it where a GPU is lent:

    python tests/gpu_check.py

It fine-tunes a tiny n-gram + wide classifier with device="cuda", checks the parameters and the topic-loss
weight lived there, saves and loads it with ReviewModel.load(device="cuda"), scores texts with clauses, and
compares the scores with the same checkpoint scored on the CPU.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

from reviewlens.models.encoder import EncoderConfig
from reviewlens.models.finetune import FinetuneConfig, Labelled, finetune
from reviewlens.models.inference import ReviewModel
from reviewlens.models.taxonomy import SeedLabeller, load_taxonomy
from reviewlens.models.tokenizer import encode, train_tokenizer

TEXTS = ["The fabric is lovely but it runs small", "Terrible quality, it fell apart", "质量很好，物流太慢", "Love it, fits perfectly"]


def main() -> int:
    if not torch.cuda.is_available():
        print("no CUDA device here: nothing to check")
        return 1
    taxonomy = load_taxonomy()
    corpus = TEXTS * 50
    tokenizer = train_tokenizer(corpus, vocab_size=200, min_frequency=1)
    cfg = EncoderConfig(vocab_size=tokenizer.get_vocab_size(), d_model=32, n_layers=1, n_heads=2, d_ff=64, max_len=32,
                        ngram_buckets=4_099)
    labels = np.array([0, 0, 2, 2] * 50)
    data = Labelled(encode(tokenizer, corpus, cfg.max_len), labels, np.zeros(len(corpus), bool),
                    SeedLabeller(taxonomy).labels(corpus))
    used = set()

    def on_step(step: int, total: int, loss: float, tps: float) -> None:
        used.add(torch.cuda.memory_allocated() > 0)

    classifier = finetune(data, cfg, FinetuneConfig(epochs=3, max_tokens=512, wide_buckets=8_191), len(taxonomy.ids),
                          on_step=on_step, device="cuda")
    assert used == {True}, "fine-tuning allocated nothing on CUDA"
    with tempfile.TemporaryDirectory() as tmp:
        folder = ReviewModel(classifier, tokenizer, taxonomy, "gpu-check").save(Path(tmp) / "gpu-check", {"preset": "gpu-check"}, {})
        on_gpu = ReviewModel.load(folder, device="cuda")
        assert next(on_gpu.classifier.parameters()).is_cuda, "ReviewModel.load(device='cuda') left the model on the CPU"
        on_cpu = ReviewModel.load(folder, device="cpu")
        gpu_scores, cpu_scores = on_gpu.score(TEXTS), on_cpu.score(TEXTS)
    for g, c in zip(gpu_scores, cpu_scores):
        assert np.allclose(g.probs, c.probs, atol=2e-2), (g.probs, c.probs)
    print(f"CUDA check passed on {torch.cuda.get_device_name()}: fine-tuned and scored on CUDA, "
          f"scores match the CPU within 0.02 (bf16 autocast)")
    for text, s in zip(TEXTS, gpu_scores):
        print(f"  {s.sentiment:8s} {text}  {[(a.topic, a.sentiment) for a in s.aspects]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
