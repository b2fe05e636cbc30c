from .image_prep import to_y_channel
from .paper_ssim import average_pool, paper_ssim, pool_factor
from .patch_grid import patch_grid_profile, patch_grid_score
from .psnr import psnr
from .ssim import gaussian_ssim, ssim

__all__ = [
    'psnr', 'ssim', 'gaussian_ssim', 'paper_ssim', 'pool_factor',
    'average_pool', 'to_y_channel', 'patch_grid_profile', 'patch_grid_score'
]
