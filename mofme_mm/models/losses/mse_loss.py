"""Weighted mean squared error, the paper's task loss."""
from typing import Optional

from torch import Tensor, nn

from mofme_mm.registry import MODELS

from .functional import check_loss_args, mse_loss


@MODELS.register_module()
class MSELoss(nn.Module):
    """Weighted mean squared error, the paper's task loss.

    Args:
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        loss_name (str): Key under which the restorer logs the loss.
            Defaults to ``'loss_mse'``.
    """

    def __init__(self, loss_weight: float = 1.0,
                 loss_name: str = 'loss_mse') -> None:
        super().__init__()
        check_loss_args(type(self).__name__, loss_weight, loss_name)
        self.loss_weight = loss_weight
        self.loss_name = loss_name

    def forward(self, pred: Tensor, target: Tensor,
                mask: Optional[Tensor] = None) -> Tensor:
        """Loss between pred and target over the ``mask``ed pixels."""
        return self.loss_weight * mse_loss(pred, target, mask)
