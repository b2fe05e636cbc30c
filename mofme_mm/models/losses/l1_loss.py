"""Weighted mean absolute error, the reference scripts' task loss."""
from typing import Optional

from torch import Tensor, nn

from mofme_mm.registry import MODELS

from .functional import check_loss_args, l1_loss


@MODELS.register_module()
class L1Loss(nn.Module):
    """Weighted mean absolute error, the reference scripts' task loss.

    Args:
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        loss_name (str): Key under which the restorer logs the loss.
            Defaults to ``'loss_l1'``.
    """

    def __init__(self, loss_weight: float = 1.0,
                 loss_name: str = 'loss_l1') -> None:
        super().__init__()
        check_loss_args(type(self).__name__, loss_weight, loss_name)
        self.loss_weight = loss_weight
        self.loss_name = loss_name

    def forward(self, pred: Tensor, target: Tensor,
                mask: Optional[Tensor] = None) -> Tensor:
        """Loss between pred and target over the ``mask``ed pixels."""
        return self.loss_weight * l1_loss(pred, target, mask)
