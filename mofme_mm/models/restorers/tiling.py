"""Tiled restoration of frames larger than the training crops.

The paper restores full-resolution test frames as non-overlapping 256 x 256
crops. :func:`tiled_restore` does that (``overlap=0``; tiles crossing the
frame edge are filled by mirroring the frame) and also offers overlapping
tiles whose predictions are blended with a smooth raised-cosine window.

Memory: tiles are cut straight from the frame (no padded copy of the frame),
the restoring function never sees more than ``tile_batch_size`` tiles at once
and the only frame-sized buffers are the output and, for overlapping tiles, a
single-channel weight map.
"""
import math
from typing import Callable, Iterator, List, Tuple

import torch
from torch import Tensor


def tile_starts(length: int, tile_size: int, overlap: int = 0) -> List[int]:
    """Start offsets of the tiles covering ``[0, length)`` along one axis.

    Args:
        length (int): Size of the frame along the axis.
        tile_size (int): Size of a tile.
        overlap (int): Pixels shared by neighbouring tiles. With 0 the tiles
            sit on a regular grid and the last one may cross the frame edge;
            otherwise the last tile is shifted back to end at the frame edge
            (unless the frame is smaller than a tile). Defaults to 0.

    Returns:
        list[int]: Sorted start offsets.
    """
    _check_tile_args(tile_size, overlap)
    if overlap == 0 or length <= tile_size:
        return list(range(0, max(length, 1), tile_size))
    stride = tile_size - overlap
    num = math.ceil((length - tile_size) / stride) + 1
    starts = [min(i * stride, length - tile_size) for i in range(num)]
    return sorted(set(starts))


def blend_window(tile_size: int, overlap: int) -> Tensor:
    """Separable blending window of one tile, shape ``(tile_size, tile_size)``.

    The window is 1 in the tile centre and rises as a raised cosine over the
    ``overlap`` pixels at each border; it never reaches 0, so every pixel of
    the frame keeps a positive total weight. With ``overlap=0`` it is all ones.

    Args:
        tile_size (int): Size of a tile.
        overlap (int): Width of the ramps at the tile borders.

    Returns:
        Tensor: Float window of shape ``(tile_size, tile_size)``.
    """
    _check_tile_args(tile_size, overlap)
    ramp_1d = torch.ones(tile_size)
    if overlap > 0:
        steps = (torch.arange(overlap, dtype=torch.float64) + 0.5) / overlap
        ramp = (0.5 - 0.5 * torch.cos(math.pi * steps)).float()
        ramp_1d[:overlap] = ramp
        ramp_1d[tile_size - overlap:] = torch.minimum(
            ramp_1d[tile_size - overlap:], ramp.flip(0))
    return ramp_1d[:, None] * ramp_1d[None, :]


def _check_tile_args(tile_size: int, overlap: int) -> None:
    if tile_size < 1:
        raise ValueError(f'tile_size must be >= 1, got {tile_size}.')
    if not 0 <= overlap < tile_size:
        raise ValueError(
            f'tile_overlap must be in [0, tile_size={tile_size}), '
            f'got {overlap}.')
    if overlap * 2 > tile_size:
        raise ValueError(
            f'tile_overlap={overlap} must be at most half of '
            f'tile_size={tile_size}, so the ramps at opposite tile borders '
            'do not meet.')


def _mirror_index(start: int, size: int, length: int, device) -> Tensor:
    """Indices ``start .. start+size-1`` reflected into ``[0, length)``."""
    idx = torch.arange(start, start + size, device=device)
    if length == 1:
        return torch.zeros_like(idx)
    period = 2 * (length - 1)
    idx = idx % period
    return torch.where(idx < length, idx, period - idx)


def _tile_boxes(height: int, width: int, tile_size: int,
                overlap: int) -> Iterator[Tuple[int, int]]:
    for top in tile_starts(height, tile_size, overlap):
        for left in tile_starts(width, tile_size, overlap):
            yield top, left


def _cut_tile(image: Tensor, top: int, left: int, tile_size: int) -> Tensor:
    """Cut a ``tile_size`` square from a (C, H, W) image, mirroring at edges."""
    _, height, width = image.shape
    if top + tile_size <= height and left + tile_size <= width:
        return image[:, top:top + tile_size, left:left + tile_size]
    rows = _mirror_index(top, tile_size, height, image.device)
    cols = _mirror_index(left, tile_size, width, image.device)
    return image.index_select(1, rows).index_select(2, cols)


def tiled_restore(restore_fn: Callable[[Tensor], Tensor],
                  images: Tensor,
                  tile_size: int = 256,
                  overlap: int = 0,
                  tile_batch_size: int = 8) -> Tensor:
    """Restore ``images`` tile by tile.

    Args:
        restore_fn (Callable): Maps a ``(N, C, tile_size, tile_size)`` batch of
            tiles to restored tiles of the same shape.
        images (Tensor): Frames of shape ``(B, C, H, W)``, any ``H`` and ``W``.
        tile_size (int): Side of the square tiles. Defaults to 256.
        overlap (int): Pixels shared by neighbouring tiles, blended with
            :func:`blend_window`; 0 gives the paper's non-overlapping grid.
            At most ``tile_size // 2``. Defaults to 0.
        tile_batch_size (int): Most tiles passed to ``restore_fn`` in one
            call. Defaults to 8.

    Returns:
        Tensor: Restored frames, same shape as ``images``.
    """
    _check_tile_args(tile_size, overlap)
    if tile_batch_size < 1:
        raise ValueError(
            f'tile_batch_size must be >= 1, got {tile_batch_size}.')
    if images.dim() != 4:
        raise ValueError('tiled_restore expects (B, C, H, W) images, got '
                         f'shape {tuple(images.shape)}.')
    batch, _, height, width = images.shape
    boxes = list(_tile_boxes(height, width, tile_size, overlap))
    window = None
    weight_sum = None
    if overlap > 0:
        window = blend_window(tile_size, overlap).to(images.device)
        weight_sum = images.new_zeros(1, height, width, dtype=torch.float32)
        for top, left in boxes:
            h, w = min(tile_size, height - top), min(tile_size, width - left)
            weight_sum[:, top:top + h, left:left + w] += window[:h, :w]

    output = None
    jobs = [(b, top, left) for b in range(batch) for top, left in boxes]
    for first in range(0, len(jobs), tile_batch_size):
        chunk = jobs[first:first + tile_batch_size]
        tiles = torch.stack(
            [_cut_tile(images[b], top, left, tile_size)
             for b, top, left in chunk])
        restored = restore_fn(tiles)
        if output is None:
            output = restored.new_zeros(
                (batch, restored.shape[1], height, width))
        for (b, top, left), tile in zip(chunk, restored):
            h, w = min(tile_size, height - top), min(tile_size, width - left)
            tile = tile[:, :h, :w]
            if window is None:
                output[b, :, top:top + h, left:left + w] = tile
            else:
                region = weight_sum[:, top:top + h, left:left + w]
                output[b, :, top:top + h, left:left + w] += (
                    tile * (window[:h, :w] / region).to(tile.dtype))
    return output
