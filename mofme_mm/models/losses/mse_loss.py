"""Weighted mean squared error, the paper's task loss."""
from mofme_mm.registry import MODELS

from .functional import mse_loss
from .pixel_loss import PixelLoss


@MODELS.register_module()
class MSELoss(PixelLoss):
    """Weighted mean squared error, the paper's task loss.

    Args:
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        loss_name (str): Key under which the restorer logs the loss.
            Defaults to ``'loss_mse'``.
    """

    def __init__(self, loss_weight: float = 1.0,
                 loss_name: str = 'loss_mse') -> None:
        super().__init__(mse_loss, loss_weight, loss_name)
