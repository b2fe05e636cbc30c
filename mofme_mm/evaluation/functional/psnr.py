"""Peak signal-to-noise ratio."""
import numpy as np

from .image_prep import prepare_pair


def psnr(img: np.ndarray, img2: np.ndarray, crop_border: int = 0,
         input_order: str = 'HWC', test_y_channel: bool = False,
         channel_order: str = 'rgb') -> float:
    """PSNR in dB between two images in ``[0, 255]``.

    ``10 log10(255^2 / MSE)`` over all pixels and channels (inf when equal);
    matches ``skimage.metrics.peak_signal_noise_ratio(data_range=255)``.

    Args:
        img (np.ndarray): e.g. the restored image, ``H x W x C``.
        img2 (np.ndarray): the reference, same shape.
        crop_border (int): pixels removed from each edge. Defaults to 0.
        input_order (str): ``'HWC'`` or ``'CHW'``. Defaults to ``'HWC'``.
        test_y_channel (bool): use the BT.601 Y channel. Defaults to False.
        channel_order (str): ``'rgb'`` or ``'bgr'`` (for Y). Defaults to
            ``'rgb'``.

    Returns:
        float: PSNR in dB.
    """
    img, img2 = prepare_pair(img, img2, crop_border, input_order,
                             test_y_channel, channel_order)
    mse = float(np.mean((img - img2)**2))
    if mse == 0:
        return float('inf')
    return float(10.0 * np.log10(255.0**2 / mse))
