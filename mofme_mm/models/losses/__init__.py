# ruff: noqa: I001  (import order matters, see below)
from .l1_loss import L1Loss
from .mse_loss import MSELoss
from .perceptual_loss import PerceptualLoss
from .ssim_loss import SSIMLoss

# after the modules: importing the submodule l1_loss (ssim_loss) would
# otherwise replace the function of the same name on the package
from .functional import l1_loss, masked_mean, mse_loss, ssim_loss, ssim_map

__all__ = [
    'l1_loss', 'masked_mean', 'mse_loss', 'ssim_loss', 'ssim_map', 'L1Loss',
    'MSELoss', 'PerceptualLoss', 'SSIMLoss'
]
