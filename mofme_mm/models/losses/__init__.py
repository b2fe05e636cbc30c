from .functional import l1_loss, masked_mean, mse_loss
from .l1_loss import L1Loss
from .mse_loss import MSELoss
from .perceptual_loss import PerceptualLoss

__all__ = [
    'l1_loss', 'masked_mean', 'mse_loss', 'L1Loss', 'MSELoss', 'PerceptualLoss'
]
