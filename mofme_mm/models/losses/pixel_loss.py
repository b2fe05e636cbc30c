"""Base of the weighted per-pixel losses (``L1Loss``, ``MSELoss``)."""
from typing import Callable, Optional

from torch import Tensor, nn

from .functional import check_loss_args


class PixelLoss(nn.Module):
    """``loss_weight * loss_fn(pred, target, mask)``.

    Args:
        loss_fn (Callable): Functional loss taking ``(pred, target, mask)``,
            e.g. :func:`~mofme_mm.models.losses.l1_loss`.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        loss_name (str): Key under which the restorer logs the loss.
            Defaults to ``'loss_pixel'``.
    """

    def __init__(self, loss_fn: Callable[..., Tensor],
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_pixel') -> None:
        super().__init__()
        check_loss_args(type(self).__name__, loss_weight, loss_name)
        self.loss_fn = loss_fn
        self.loss_weight = loss_weight
        self.loss_name = loss_name

    def forward(self, pred: Tensor, target: Tensor,
                mask: Optional[Tensor] = None) -> Tensor:
        """Loss between pred and target over the ``mask``ed pixels."""
        return self.loss_weight * self.loss_fn(pred, target, mask)
