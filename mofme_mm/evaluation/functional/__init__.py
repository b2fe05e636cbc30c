from .image_prep import to_y_channel
from .psnr import psnr
from .ssim import ssim

__all__ = ['psnr', 'ssim', 'to_y_channel']
