"""Weighted mean absolute error, the reference scripts' task loss."""
from mofme_mm.registry import MODELS

from .functional import l1_loss
from .pixel_loss import PixelLoss


@MODELS.register_module()
class L1Loss(PixelLoss):
    """Weighted mean absolute error, the reference scripts' task loss.

    Args:
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        loss_name (str): Key under which the restorer logs the loss.
            Defaults to ``'loss_l1'``.
    """

    def __init__(self, loss_weight: float = 1.0,
                 loss_name: str = 'loss_l1') -> None:
        super().__init__(l1_loss, loss_weight, loss_name)
