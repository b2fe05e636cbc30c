"""Structural similarity with the 11 x 11, sigma 1.5 Gaussian window."""
import cv2
import numpy as np

from .image_prep import prepare_pair

_K1, _K2 = 0.01, 0.03


def _ssim_channel(x: np.ndarray, y: np.ndarray, window: np.ndarray,
                  data_range: float) -> float:
    """Mean SSIM of one channel over the 'valid' map.

    The statistics are filtered with border reflection and the window radius
    is then cut from each edge, so every kept value comes from a window lying
    wholly inside the image: the same map as a 'valid' (unpadded) convolution.
    """
    c1, c2 = (_K1 * data_range)**2, (_K2 * data_range)**2

    def blur(a: np.ndarray) -> np.ndarray:
        return cv2.sepFilter2D(a, cv2.CV_64F, window, window,
                               borderType=cv2.BORDER_REFLECT)

    mu_x, mu_y = blur(x), blur(y)
    var_x = blur(x * x) - mu_x**2
    var_y = blur(y * y) - mu_y**2
    cov = blur(x * y) - mu_x * mu_y
    ssim_map = ((2 * mu_x * mu_y + c1) * (2 * cov + c2)) / (
        (mu_x**2 + mu_y**2 + c1) * (var_x + var_y + c2))
    r = (len(window) - 1) // 2
    return float(ssim_map[r:-r, r:-r].mean())


def gaussian_ssim(img: np.ndarray, img2: np.ndarray, sigma: float = 1.5,
                  win_size: int = 11, data_range: float = 255.0) -> float:
    """Gaussian-window SSIM of two prepared ``(H, W, C)`` float arrays.

    Population (window-weighted) statistics, ``K1 = 0.01``, ``K2 = 0.03``,
    mean over the 'valid' map (the window radius cut from each edge) and over
    channels.

    Args:
        img (np.ndarray): ``(H, W, C)`` float64.
        img2 (np.ndarray): the reference, same shape.
        sigma (float): Gaussian sigma. Defaults to 1.5.
        win_size (int): window size (odd). Defaults to 11.
        data_range (float): value range of the images. Defaults to 255.

    Returns:
        float: SSIM in ``[-1, 1]``.
    """
    if win_size % 2 != 1 or min(img.shape[:2]) < win_size:
        raise ValueError(f'SSIM needs an odd win_size no larger than the '
                         f'image; got {win_size} for {img.shape[:2]}')
    window = cv2.getGaussianKernel(win_size, sigma).astype(np.float64)
    return float(np.mean([
        _ssim_channel(img[..., c], img2[..., c], window, data_range)
        for c in range(img.shape[2])
    ]))


def ssim(img: np.ndarray, img2: np.ndarray, crop_border: int = 0,
         input_order: str = 'HWC', test_y_channel: bool = False,
         channel_order: str = 'rgb', sigma: float = 1.5,
         win_size: int = 11) -> float:
    """SSIM (Wang et al. 2004) between two images in ``[0, 255]``.

    Gaussian-weighted statistics (11 x 11, sigma 1.5), population
    covariances, mean over the map without its border and over channels: the
    settings of ``skimage.metrics.structural_similarity(gaussian_weights=True,
    sigma=1.5, use_sample_covariance=False, data_range=255)``, at full
    resolution. For the authors' (piq) protocol, which average-pools large
    images first, see :func:`paper_ssim`.

    Args:
        img (np.ndarray): e.g. the restored image, ``H x W x C``.
        img2 (np.ndarray): the reference, same shape.
        crop_border (int): pixels removed from each edge. Defaults to 0.
        input_order (str): ``'HWC'`` or ``'CHW'``. Defaults to ``'HWC'``.
        test_y_channel (bool): use the BT.601 Y channel. Defaults to False.
        channel_order (str): ``'rgb'`` or ``'bgr'`` (for Y). Defaults to
            ``'rgb'``.
        sigma (float): Gaussian sigma. Defaults to 1.5.
        win_size (int): window size (odd). Defaults to 11.

    Returns:
        float: SSIM in ``[-1, 1]``.
    """
    img, img2 = prepare_pair(img, img2, crop_border, input_order,
                             test_y_channel, channel_order)
    return gaussian_ssim(img, img2, sigma, win_size)
