"""Loss maths as plain functions, shared by the loss modules."""
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor


def masked_mean(values: Tensor, mask: Optional[Tensor] = None) -> Tensor:
    """Mean of ``values`` over the entries where ``mask`` is set.

    Args:
        values (Tensor): Per-element values, e.g. ``(B, C, H, W)``.
        mask (Tensor, optional): 0/1 mask broadcastable to ``values``;
            ``None`` averages over everything.

    Returns:
        Tensor: Scalar mean.
    """
    if mask is None:
        return values.mean()
    mask = mask.expand_as(values).to(values.dtype)
    return (values * mask).sum() / mask.sum().clamp_min(1.0)


def mse_loss(pred: Tensor, target: Tensor,
             mask: Optional[Tensor] = None) -> Tensor:
    """Mean squared error over the valid pixels.

    Args:
        pred (Tensor): Prediction, e.g. ``(B, C, H, W)``.
        target (Tensor): Target of the same shape.
        mask (Tensor, optional): Broadcastable 0/1 mask of valid pixels.

    Returns:
        Tensor: Scalar loss.
    """
    return masked_mean((pred - target).pow(2), mask)


def l1_loss(pred: Tensor, target: Tensor,
            mask: Optional[Tensor] = None) -> Tensor:
    """Mean absolute error over the valid pixels.

    Args:
        pred (Tensor): Prediction, e.g. ``(B, C, H, W)``.
        target (Tensor): Target of the same shape.
        mask (Tensor, optional): Broadcastable 0/1 mask of valid pixels.

    Returns:
        Tensor: Scalar loss.
    """
    return masked_mean((pred - target).abs(), mask)


def gaussian_window(window_size: int, sigma: float, like: Tensor) -> Tensor:
    """Normalised 1-D Gaussian of ``window_size`` taps, dtype/device of
    ``like``.

    Args:
        window_size (int): Odd number of taps.
        sigma (float): Standard deviation in pixels.
        like (Tensor): Tensor whose dtype and device the window takes.

    Returns:
        Tensor: ``(window_size,)`` weights summing to 1.
    """
    if window_size < 1 or window_size % 2 != 1:
        raise ValueError(f'window_size must be odd and >= 1, got '
                         f'{window_size}.')
    if not sigma > 0:
        raise ValueError(f'sigma must be > 0, got {sigma}.')
    coords = torch.arange(window_size, dtype=torch.float64) - (
        window_size - 1) / 2
    weights = torch.exp(-coords.pow(2) / (2 * sigma**2))
    return (weights / weights.sum()).to(dtype=like.dtype, device=like.device)


def ssim_map(pred: Tensor, target: Tensor, window_size: int = 11,
             sigma: float = 1.5, data_range: float = 1.0) -> Tensor:
    """Per-window SSIM (Wang et al. 2004) of two ``(B, C, H, W)`` batches.

    Gaussian-weighted means, population (co)variances, ``K1 = 0.01``,
    ``K2 = 0.03``, every channel on its own; only windows that fit inside the
    image (no padding), so the map is ``(B, C, H - w + 1, W - w + 1)``. Its
    mean is the SSIM of :func:`mofme_mm.evaluation.functional.ssim` (which
    computes the same statistics in float64 numpy for scoring).

    Args:
        pred (Tensor): Prediction, ``(B, C, H, W)``.
        target (Tensor): Target of the same shape.
        window_size (int): Odd window size, at most ``min(H, W)``.
            Defaults to 11.
        sigma (float): Gaussian sigma. Defaults to 1.5.
        data_range (float): Value range of the images (1 for [0, 1]).
            Defaults to 1.0.

    Returns:
        Tensor: The SSIM map, differentiable.
    """
    if pred.shape != target.shape or pred.dim() != 4:
        raise ValueError('ssim_map needs two (B, C, H, W) tensors of one '
                         f'shape, got {tuple(pred.shape)} and '
                         f'{tuple(target.shape)}.')
    if min(pred.shape[-2:]) < window_size:
        raise ValueError(f'ssim_map: images {tuple(pred.shape[-2:])} are '
                         f'smaller than the window ({window_size}).')
    channels = pred.shape[1]
    window = gaussian_window(window_size, sigma, pred)
    rows = window.view(1, 1, -1, 1).expand(channels, 1, -1, 1)
    cols = window.view(1, 1, 1, -1).expand(channels, 1, 1, -1)

    def blur(x: Tensor) -> Tensor:
        return F.conv2d(F.conv2d(x, rows, groups=channels), cols,
                        groups=channels)

    c1, c2 = (0.01 * data_range)**2, (0.03 * data_range)**2
    mu_x, mu_y = blur(pred), blur(target)
    var_x = blur(pred * pred) - mu_x.pow(2)
    var_y = blur(target * target) - mu_y.pow(2)
    cov = blur(pred * target) - mu_x * mu_y
    return ((2 * mu_x * mu_y + c1) * (2 * cov + c2)) / (
        (mu_x.pow(2) + mu_y.pow(2) + c1) * (var_x + var_y + c2))


def ssim_loss(pred: Tensor, target: Tensor, mask: Optional[Tensor] = None,
              window_size: int = 11, sigma: float = 1.5) -> Tensor:
    """``1 - SSIM`` of images in [0, 1] over the windows inside the mask.

    Args:
        pred (Tensor): Prediction, ``(B, C, H, W)`` in [0, 1].
        target (Tensor): Target of the same shape.
        mask (Tensor, optional): Broadcastable 0/1 mask of valid pixels
            ``(B, 1, H, W)``; a window counts only when all its pixels are
            valid.
        window_size (int): Odd Gaussian window size. Defaults to 11.
        sigma (float): Gaussian sigma. Defaults to 1.5.

    Returns:
        Tensor: Scalar loss in [0, 2].
    """
    values = ssim_map(pred, target, window_size, sigma)
    if mask is not None:
        valid = mask.to(values.dtype).amin(dim=1, keepdim=True)
        covered = F.avg_pool2d(valid, window_size, stride=1)
        mask = (covered > 1 - 1e-4).to(values.dtype)
    return 1.0 - masked_mean(values, mask)


def check_loss_args(owner: str, loss_weight: float, loss_name: str) -> None:
    """Validate the arguments every loss module takes.

    Args:
        owner (str): Class name used in the error messages.
        loss_weight (float): Must be >= 0.
        loss_name (str): Must contain ``'loss'`` so mmengine sums it.
    """
    if loss_weight < 0:
        raise ValueError(
            f'{owner}: loss_weight must be >= 0, got {loss_weight}.')
    if 'loss' not in loss_name:
        raise ValueError(
            f"{owner}: loss_name must contain 'loss' so that mmengine adds "
            f'it to the total loss, got {loss_name!r}.')
