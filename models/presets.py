"""Named training recipes. `demo` fits the demo's time budget on 2 CPU cores; `full` is the best model we can train."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from reviewlens.models.encoder import EncoderConfig
from reviewlens.models.finetune import FinetuneConfig
from reviewlens.models.pretrain import PretrainConfig


@dataclass
class Preset:
    name: str
    vocab_size: int
    encoder: EncoderConfig
    pretrain: PretrainConfig = field(default_factory=PretrainConfig)
    finetune: FinetuneConfig = field(default_factory=FinetuneConfig)
    ablation: bool = False          # also fine-tune a random-init encoder, to show what pretraining buys

    def seeded(self, seed: int) -> Preset:
        """The same recipe with another seed: repeat runs measure how much of a difference is noise."""
        return replace(self, pretrain=replace(self.pretrain, seed=seed), finetune=replace(self.finetune, seed=seed))


PRESETS: dict[str, Preset] = {
    # whole train flow in under 6 minutes on 2 cores (~13-15k training tokens/s)
    "demo": Preset("demo", 8_000, EncoderConfig(d_model=128, n_layers=2, n_heads=4, d_ff=512, max_len=128),
                   PretrainConfig(steps=100, max_tokens=8_192, lr=1e-3, warmup_steps=10, checkpoint_every=50),
                   FinetuneConfig(epochs=1.25, max_tokens=8_192, lr=2e-3)),
    # the best we could train here: the same small encoder trained much longer (on 2 CPU cores a small model
    # trained longer beats a wide one trained briefly), plus the random-init ablation
    "full": Preset("full", 8_000, EncoderConfig(d_model=128, n_layers=2, n_heads=4, d_ff=512, max_len=128),
                   PretrainConfig(steps=900, max_tokens=8_192, lr=1e-3, warmup_steps=60, checkpoint_every=100),
                   FinetuneConfig(epochs=3, max_tokens=8_192, lr=2e-3), ablation=True),
    # for tests: seconds, not minutes
    "tiny": Preset("tiny", 2_000, EncoderConfig(d_model=32, n_layers=1, n_heads=2, d_ff=64, max_len=64, dropout=0.0),
                   PretrainConfig(steps=20, max_tokens=2_048, lr=3e-3, warmup_steps=2, checkpoint_every=10),
                   FinetuneConfig(epochs=12, max_tokens=2_048, lr=3e-3)),
}
