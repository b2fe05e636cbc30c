"""Weighted ``1 - SSIM``, a structure-preserving task loss."""
from typing import Optional

from torch import Tensor, nn

from mofme_mm.registry import MODELS

from .functional import check_loss_args, ssim_loss


@MODELS.register_module()
class SSIMLoss(nn.Module):
    """``loss_weight * (1 - SSIM(pred, target))`` with a Gaussian window.

    Not part of the paper's recipe (MSE); add it to a pixel loss to train for
    structure as well as intensity, e.g. ``pixel_loss=[dict(type='L1Loss'),
    dict(type='SSIMLoss', loss_weight=0.2)]``.

    Args:
        window_size (int): Odd Gaussian window size; training crops must be
            at least this large. Defaults to 11 (as the SSIM metric).
        sigma (float): Gaussian sigma. Defaults to 1.5.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        loss_name (str): Key under which the restorer logs the loss.
            Defaults to ``'loss_ssim'``.
    """

    def __init__(self, window_size: int = 11, sigma: float = 1.5,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_ssim') -> None:
        super().__init__()
        check_loss_args(type(self).__name__, loss_weight, loss_name)
        if (isinstance(window_size, bool) or not isinstance(window_size, int)
                or window_size < 1 or window_size % 2 != 1):
            raise ValueError('SSIMLoss: window_size must be an odd int >= 1, '
                             f'got {window_size!r}.')
        if isinstance(sigma, bool) or not isinstance(
                sigma, (int, float)) or not sigma > 0:
            raise ValueError(f'SSIMLoss: sigma must be a number > 0, got '
                             f'{sigma!r}.')
        self.window_size = window_size
        self.sigma = float(sigma)
        self.loss_weight = loss_weight
        self.loss_name = loss_name

    def forward(self, pred: Tensor, target: Tensor,
                mask: Optional[Tensor] = None) -> Tensor:
        """Loss between ``pred`` and ``target`` (``(B, C, H, W)`` in [0, 1])
        over the windows inside ``mask``."""
        return self.loss_weight * ssim_loss(pred, target, mask,
                                            self.window_size, self.sigma)
