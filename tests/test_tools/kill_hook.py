"""Test helper: a hook that SIGKILLs the training process at one iteration."""
import os
import signal

from mmengine.hooks import Hook

from mofme_mm.registry import HOOKS


@HOOKS.register_module()
class KillAtIterHook(Hook):
    """Kill the process right after iteration ``iteration`` (0-based)."""

    def __init__(self, iteration: int) -> None:
        self.iteration = iteration

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        if runner.iter == self.iteration:
            os.kill(os.getpid(), signal.SIGKILL)
