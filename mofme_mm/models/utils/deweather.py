"""Plain functions shared by the downstream deweathering wrappers.

They build a restorer (a ``DeweatherRestorer``) from a config file or a model
dict, optionally load its checkpoint, freeze it, and convert image batches
between the mm preprocessors' convention (pixel values in ``[0, 255]``, either
channel order) and the restorer's (RGB in ``[0, 1]``).
"""
import os.path as osp
from typing import Optional, Sequence, Union

import torch
import torch.nn as nn
from mmengine.config import Config, ConfigDict
from mmengine.registry import DefaultScope

from .weight_loading import load_state_dict_checked, read_state_dict

CHANNEL_ORDERS = ('rgb', 'bgr')


def _restorer_cfg(restorer: Union[str, dict]) -> dict:
    """Return the model dict named by ``restorer``.

    ``restorer`` is a config file path, a ``mofme_mm::`` path naming a
    config shipped with the package (``'mofme_mm::mofme_raincityscapes.py'``,
    resolved to ``mofme_mm/.mim/configs``, so it works from any directory)
    or a model dict.
    """
    from mofme_mm.utils.package_configs import resolve_config

    if isinstance(restorer, str):
        path = resolve_config(restorer)
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'restorer config "{restorer}" does not exist: pass the path '
                'of a restorer config, a config shipped with mofme_mm as '
                '"mofme_mm::mofme_raincityscapes.py", or a model dict with '
                'type="DeweatherRestorer"')
        cfg = Config.fromfile(path)
        if 'model' not in cfg:
            raise KeyError(f'restorer config "{restorer}" has no `model` field')
        return cfg.model
    if isinstance(restorer, (dict, ConfigDict)):
        if 'type' not in restorer:
            raise KeyError('restorer dict needs a `type` field, e.g. '
                           'type="DeweatherRestorer"')
        return restorer
    raise TypeError('restorer must be a config path or a model dict, got '
                    f'{type(restorer).__name__}')


def build_restorer(restorer: Union[str, dict, nn.Module],
                   checkpoint: Optional[str] = None,
                   strict: bool = True) -> nn.Module:
    """Build a restorer and load its weights.

    Args:
        restorer (str | dict | nn.Module): A restorer config file (its
            ``model`` field is built), a model dict, or a built module.
        checkpoint (str, optional): A checkpoint written by mmengine for that
            restorer (its ``state_dict`` keys match the restorer's).
            Defaults to None (keep the initial weights).
        strict (bool): Refuse a checkpoint with missing, unexpected or
            mis-shaped keys, naming them (``WeightLoadingError``). False
            loads what fits and warns about the rest. Defaults to True.

    Returns:
        nn.Module: The restorer, with ``init_weights()`` applied and the
        checkpoint loaded; it is marked initialised so that a parent
        ``init_weights()`` does not overwrite the loaded weights.
    """
    from mofme_mm.registry import MODELS

    if isinstance(restorer, nn.Module):
        module = restorer
    else:
        cfg = _restorer_cfg(restorer)
        # Nested types of the restorer (network, losses...) are registered
        # under mofme_mm, whatever the scope of the calling config is.
        with DefaultScope.overwrite_default_scope('mofme_mm'):
            module = MODELS.build(cfg)
            if _has_init_cfg(module):  # e.g. a Pretrained init of the network
                module.init_weights()
    if checkpoint is not None:
        if not isinstance(checkpoint, str):
            raise TypeError('the restorer checkpoint must be the path of a '
                            f'.pth file or None, got {checkpoint!r}')
        if not osp.isfile(checkpoint):
            raise FileNotFoundError(
                f'restorer checkpoint "{checkpoint}" does not exist: pass the '
                '.pth file written when training the restorer, or None')
        load_state_dict_checked(
            module, read_state_dict(checkpoint), checkpoint, strict=strict,
            hint='Pass the checkpoint that tools/train.py wrote for this '
            'restorer config.')
    if hasattr(module, 'is_init'):
        module.is_init = True
    if not hasattr(module, 'restore'):
        raise TypeError(f'{type(module).__name__} has no restore(images) '
                        'method; use a DeweatherRestorer')
    return module


def _has_init_cfg(module: nn.Module) -> bool:
    return any(getattr(m, 'init_cfg', None) for m in module.modules())


def freeze_module(module: nn.Module) -> nn.Module:
    """Put ``module`` in eval mode and stop gradients to its parameters."""
    module.eval()
    for param in module.parameters():
        param.requires_grad_(False)
    return module


def raw_channel_order(bgr_to_rgb: bool = False,
                      rgb_to_bgr: bool = False,
                      override: Optional[str] = None) -> str:
    """Channel order of the raw images an mm data preprocessor receives.

    Args:
        bgr_to_rgb (bool): The preprocessor's ``bgr_to_rgb``: raw is BGR.
        rgb_to_bgr (bool): The preprocessor's ``rgb_to_bgr``: raw is RGB.
        override (str, optional): 'bgr' or 'rgb', wins over both flags.

    Returns:
        str: 'bgr' or 'rgb' (BGR, what mmcv's ``LoadImageFromFile`` gives,
        when neither flag is set).
    """
    if override is not None:
        _check_order(override)
        return override
    return 'rgb' if rgb_to_bgr and not bgr_to_rgb else 'bgr'


def _check_order(order: str) -> None:
    if order not in CHANNEL_ORDERS:
        raise ValueError(f'channel order must be one of {CHANNEL_ORDERS}, '
                         f'got "{order}"')


def to_restorer_range(images: torch.Tensor,
                      channel_order: str = 'bgr',
                      mean: Optional[Sequence[float]] = None,
                      std: Optional[Sequence[float]] = None) -> torch.Tensor:
    """Map a ``(B, 3, H, W)`` batch to the restorer's RGB ``[0, 1]``.

    Args:
        images (torch.Tensor): Pixel values in ``[0, 255]``, or normalised
            ones when ``mean`` and ``std`` are given.
        channel_order (str): Channel order of ``images``, 'bgr' or 'rgb'.
        mean (Sequence[float], optional): Per-channel mean (in the order of
            ``images``) that was subtracted. Defaults to None.
        std (Sequence[float], optional): Per-channel std that ``images``
            were divided by. Defaults to None.

    Returns:
        torch.Tensor: Float RGB in ``[0, 1]`` (clamped).
    """
    _check_order(channel_order)
    if images.dim() != 4 or images.size(1) != 3:
        raise ValueError('the deweathering restorer needs (B, 3, H, W) colour '
                         f'images, got shape {tuple(images.shape)}')
    images = images.float()
    if mean is not None:
        images = images * _as_column(std, images) + _as_column(mean, images)
    if channel_order == 'bgr':
        images = images.flip(1)
    return (images / 255.0).clamp(0.0, 1.0)


def from_restorer_range(images: torch.Tensor,
                        channel_order: str = 'bgr',
                        mean: Optional[Sequence[float]] = None,
                        std: Optional[Sequence[float]] = None) -> torch.Tensor:
    """Inverse of :func:`to_restorer_range` (without the clamp).

    Args:
        images (torch.Tensor): RGB ``(B, 3, H, W)`` in ``[0, 1]``.
        channel_order (str): Channel order to return, 'bgr' or 'rgb'.
        mean (Sequence[float], optional): Mean to subtract (in the returned
            channel order). Defaults to None.
        std (Sequence[float], optional): Std to divide by. Defaults to None.

    Returns:
        torch.Tensor: Pixel values in ``[0, 255]``, or normalised ones.
    """
    _check_order(channel_order)
    images = images * 255.0
    if channel_order == 'bgr':
        images = images.flip(1)
    if mean is not None:
        images = (images - _as_column(mean, images)) / _as_column(std, images)
    return images


def restore_inputs(restorer: nn.Module,
                   inputs: Union[torch.Tensor, Sequence[torch.Tensor]],
                   channel_order: str = 'bgr',
                   with_grad: bool = False) -> Union[torch.Tensor, list]:
    """Restore a raw batch, keeping its layout, order and ``[0, 255]`` range.

    Images of equal size are restored together; a list of mixed sizes is
    grouped by size first, so each restorer call sees one stacked batch.

    Args:
        restorer (nn.Module): Module with ``restore(images)`` that maps RGB
            ``[0, 1]`` ``(B, 3, H, W)`` batches to restored ones.
        inputs (torch.Tensor | Sequence[torch.Tensor]): A ``(B, 3, H, W)``
            tensor or a list of ``(3, H, W)`` tensors, pixel values in
            ``[0, 255]`` (uint8 or float) in ``channel_order``.
        channel_order (str): 'bgr' or 'rgb'. Defaults to 'bgr'.
        with_grad (bool): Record gradients through the restorer.
            Defaults to False.

    Returns:
        torch.Tensor | list: Float images like ``inputs`` (same container,
        shapes and channel order) holding the restored pixels in
        ``[0, 255]``.
    """
    with torch.set_grad_enabled(with_grad and torch.is_grad_enabled()):
        if isinstance(inputs, torch.Tensor):
            rgb = to_restorer_range(inputs, channel_order)
            return from_restorer_range(restorer.restore(rgb), channel_order)
        outputs = [None] * len(inputs)
        groups = {}
        for index, image in enumerate(inputs):
            if image.dim() != 3:
                raise ValueError('each input image must be (3, H, W), got '
                                 f'shape {tuple(image.shape)}')
            groups.setdefault(tuple(image.shape), []).append(index)
        for indices in groups.values():
            batch = torch.stack([inputs[i] for i in indices])
            rgb = to_restorer_range(batch, channel_order)
            restored = from_restorer_range(restorer.restore(rgb),
                                           channel_order)
            for i, image in zip(indices, restored):
                outputs[i] = image
        return outputs


def _as_column(values: Union[Sequence[float], torch.Tensor],
               like: torch.Tensor) -> torch.Tensor:
    return torch.as_tensor(values, dtype=like.dtype,
                           device=like.device).view(1, -1, 1, 1)
