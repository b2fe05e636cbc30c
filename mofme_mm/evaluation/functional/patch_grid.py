"""How strongly an image carries a periodic patch grid.

A ViT restorer makes every ``p x p`` patch of its output from one token, so a
poorly trained one leaves a faint grid that repeats with period ``p`` and sits
at the same place (the token grid, origin at the top-left pixel) in every
image. The measure below folds the image's absolute pixel differences by their
position modulo ``p``: a grid makes the differences at some phases (typically
across the patch borders) larger than at others, while natural content has
edges at random phases. Averaging the folded profile over many images keeps
the grid (same phase everywhere) and averages content out (random phases);
the spread of the mean profile is the energy of the period-``p`` component
and its harmonics (the DFT of the difference signal at ``k / p``, k = 1..p-1).

Tiled restoration keeps the phases when tiles start at multiples of ``p``
(e.g. ``tile_size`` and ``tile_size - tile_overlap`` multiples of ``p``).
"""
from typing import Sequence

import numpy as np


def patch_grid_profile(img: np.ndarray, patch_size: int,
                       input_order: str = 'HWC') -> np.ndarray:
    """Mean absolute pixel difference per phase of the patch grid.

    The image is averaged over its channels; ``d[j] = |I[j + 1] - I[j]|``
    along rows and along columns is binned by ``j mod patch_size`` (phase
    ``patch_size - 1`` straddles the patch borders), using whole periods only,
    and the two directions are averaged. The profile is divided by its mean,
    so images of any contrast weigh the same.

    Args:
        img (np.ndarray): ``H x W x C`` (or ``C x H x W``, or ``H x W``) image,
            any range; at least ``patch_size + 1`` pixels on each side.
        patch_size (int): grid period p (the network's token patch size).
        input_order (str): ``'HWC'`` or ``'CHW'``. Defaults to ``'HWC'``.

    Returns:
        np.ndarray: ``(patch_size,)`` float64 profile with mean 1 (all ones
        for an image without any pixel difference).
    """
    if not isinstance(patch_size, int) or patch_size < 2:
        raise ValueError(f'patch_size must be an int >= 2, got {patch_size!r}')
    if input_order not in ('HWC', 'CHW'):
        raise ValueError(f'input_order must be HWC or CHW, got {input_order}')
    img = np.asarray(img, dtype=np.float64)
    if img.ndim == 3:
        img = img.mean(axis=0 if input_order == 'CHW' else 2)
    if img.ndim != 2:
        raise ValueError(f'expected a 2-D or 3-D image, got {img.shape}')
    if min(img.shape) < patch_size + 1:
        raise ValueError(f'image {img.shape} is too small for a patch grid '
                         f'of period {patch_size}')
    profile = np.zeros(patch_size)
    for axis in (1, 0):
        diff = np.abs(np.diff(img, axis=axis))
        diff = diff.mean(axis=1 - axis)  # one value per position j
        whole = diff.shape[0] // patch_size * patch_size
        profile += diff[:whole].reshape(-1, patch_size).mean(axis=0)
    mean = profile.mean()
    if mean == 0:
        return np.ones(patch_size)
    return profile / mean


def patch_grid_score(images: Sequence[np.ndarray], patch_size: int,
                     input_order: str = 'HWC') -> float:
    """Strength of a patch grid shared by ``images``, 0 for none.

    The standard deviation over the phases of the mean of the images'
    :func:`patch_grid_profile`: e.g. 0.1 means the pixel differences at some
    phases are about 10% above or below the average difference, consistently
    across the images. Compare the score of restored images with that of
    their clean references (content alone gives a small non-zero score that
    shrinks as more images are averaged).

    Args:
        images (Sequence[np.ndarray]): images of the same grid (any sizes).
        patch_size (int): grid period p.
        input_order (str): ``'HWC'`` or ``'CHW'``. Defaults to ``'HWC'``.

    Returns:
        float: the score (>= 0).
    """
    if len(images) == 0:
        raise ValueError('patch_grid_score needs at least one image')
    mean_profile = np.mean([
        patch_grid_profile(img, patch_size, input_order) for img in images
    ], axis=0)
    return float(mean_profile.std())
