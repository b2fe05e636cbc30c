"""Reseed the random generators at the start of every training epoch."""
from mmengine.dist import get_dist_info
from mmengine.hooks import Hook
from mmengine.runner import set_random_seed

from mofme_mm.registry import HOOKS


def epoch_seed(seed: int, epoch: int, rank: int = 0,
               world_size: int = 1) -> int:
    """Seed of one (epoch, rank): distinct for every pair, below 2**32.

    Args:
        seed (int): The run's seed (``runner.seed``).
        epoch (int): Epoch about to start (0-based).
        rank (int): Process rank. Defaults to 0.
        world_size (int): Number of processes. Defaults to 1.

    Returns:
        int: The seed.
    """
    return (int(seed) + epoch * world_size + rank) % (2**32)


@HOOKS.register_module()
class EpochSeedHook(Hook):
    """Seed python, numpy and torch from ``(seed, epoch, rank)`` per epoch.

    mmengine seeds the generators once, at start-up, and does not store their
    state in checkpoints, so a run resumed with ``--resume`` would draw
    different crops, flips and router dropout masks than the uninterrupted
    run. Reseeding at every epoch start makes each epoch's randomness depend
    only on the seed and the epoch, so resuming from an epoch checkpoint ends
    at the same weights. Exact for ``num_workers=0``; with worker processes
    their own seeding (mmengine's ``worker_init_fn``) decides the
    augmentations.

    Args:
        deterministic (bool): Passed to ``set_random_seed`` (cuDNN
            determinism). Defaults to False.
    """

    priority = 'VERY_HIGH'

    def __init__(self, deterministic: bool = False) -> None:
        self.deterministic = deterministic

    def before_train_epoch(self, runner) -> None:
        """Reseed before the epoch's data iterator is created."""
        rank, world_size = get_dist_info()
        set_random_seed(
            epoch_seed(runner.seed, runner.epoch, rank, world_size),
            deterministic=self.deterministic)
