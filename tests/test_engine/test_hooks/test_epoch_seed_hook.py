import random
from types import SimpleNamespace

import numpy as np
import torch

from mofme_mm.engine.hooks import EpochSeedHook, epoch_seed
from mofme_mm.registry import HOOKS


def draws():
    return random.random(), float(np.random.rand()), torch.rand(1).item()


def test_same_epoch_same_draws_different_epochs_differ():
    hook = HOOKS.build(dict(type='EpochSeedHook'))
    assert isinstance(hook, EpochSeedHook)
    hook.before_train_epoch(SimpleNamespace(seed=7, epoch=3))
    first = draws()
    draws()  # whatever happened in between (validation, another epoch...)
    hook.before_train_epoch(SimpleNamespace(seed=7, epoch=3))
    assert draws() == first
    hook.before_train_epoch(SimpleNamespace(seed=7, epoch=4))
    assert draws() != first


def test_epoch_seed_distinct_per_epoch_and_rank():
    seeds = {epoch_seed(5, epoch, rank, 2) for epoch in range(4)
             for rank in range(2)}
    assert len(seeds) == 8
    assert epoch_seed(2**32 - 1, 1) == 0  # stays a valid numpy seed
