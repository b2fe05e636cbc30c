"""Build a trained restorer and restore images with it (like ``mmseg.apis``).

Example::

    from mofme_mm.apis import init_restorer, restore_images

    model = init_restorer('configs/mofme_raincityscapes.py', 'mofme.pth')
    restored = restore_images(model, 'rainy.png')          # BGR uint8 array
    batch = restore_images(model, [frame, 'foggy_16bit.png'], tile_size=256)
    pairs = restore_images(model, [frame], return_uncertainty=True)
    restored, uncertainty = pairs[0]   # uncertainty: (H, W) float32 [0, 1]

Images are numpy arrays as OpenCV holds them (grey ``(H, W)``, BGR
``(H, W, 3)`` or BGRA ``(H, W, 4)``; uint8, uint16 or float in ``[0, 1]``) or
image paths, of any size. Each comes back in its own format: grey is
restored as colour and converted back, alpha is copied, 16 bits stay 16 bits
(see :mod:`mofme_mm.utils.image_format`).
"""
import contextlib
import copy
import os.path as osp
import warnings
from typing import Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.config import Config, ConfigDict
from mmengine.registry import DefaultScope
from torch import nn

from mofme_mm.models.restorers import check_test_cfg
from mofme_mm.models.restorers.precision import (
    check_precision,
    check_precision_supported,
)
from mofme_mm.models.utils import build_restorer
from mofme_mm.registry import MODELS
from mofme_mm.utils.image_format import from_bgr_unit, to_bgr_unit
from mofme_mm.utils.image_reading import read_image

ConfigInput = Union[str, Config, ConfigDict, dict]
ImageInput = Union[str, np.ndarray]
TILE_KEYS = ('tile_size', 'tile_overlap', 'tile_batch_size')


def check_device(device: Union[str, torch.device],
                 fix: str = "pass device='cpu'") -> torch.device:
    """Parse ``device`` and check that this machine has it.

    Args:
        device (str | torch.device): E.g. ``'cpu'``, ``'cuda'``, ``'cuda:1'``.
        fix (str): What the error message tells the user to do. Defaults to
            ``"pass device='cpu'"``.

    Returns:
        torch.device: The parsed device.

    Raises:
        ValueError: Naming the device, why it cannot be used, and ``fix``.
    """
    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError) as error:
        raise ValueError(f"device {device!r} is not a torch device ('cpu', "
                         f"'cuda', 'cuda:N'...); {fix}") from error
    if parsed.type == 'cuda':
        if not torch.cuda.is_available():
            build = ('this torch build has no CUDA' if torch.version.cuda is
                     None else 'no CUDA GPU is visible')
            raise ValueError(f'device {device!r} needs CUDA, but {build} '
                             f'(torch {torch.__version__}); {fix}')
        if parsed.index is not None and parsed.index >= (
                torch.cuda.device_count()):
            raise ValueError(f'device {device!r}: this machine has '
                             f'{torch.cuda.device_count()} CUDA device(s); '
                             f'{fix}')
    elif parsed.type == 'mps' and not torch.backends.mps.is_available():
        raise ValueError(f'device {device!r}: MPS is not available; {fix}')
    return parsed


def _restorer_hint(cfg: Config) -> str:
    """Where a downstream config names its restorer, if it does."""
    model = cfg.get('model') or {}
    for part in ('data_preprocessor', 'backbone'):
        sub = model.get(part)
        if isinstance(sub, dict) and isinstance(sub.get('restorer'), str):
            return (f' It deweathers with the restorer config '
                    f"{sub['restorer']!r} (model.{part}.restorer): pass that "
                    'config and its restorer checkpoint instead.')
    return ''


def load_restorer_config(config: ConfigInput,
                         cfg_options: Optional[dict] = None) -> Config:
    """Load a restorer config and check that its model is a restorer.

    Args:
        config (str | Config | dict): A config file (or a shipped one,
            ``'mofme_mm::toy/mofme_toy_demo_restorer.py'``), a loaded
            config, a config dict with a ``model`` field, or a model dict.
        cfg_options (dict, optional): Dotted overrides merged into the config
            (``Config.merge_from_dict``), e.g.
            ``{'model.test_cfg.tile_size': 128}``. Defaults to None.

    Returns:
        Config: The config (a copy; ``config`` is not modified).

    Raises:
        FileNotFoundError: The config file does not exist.
        TypeError: The config's model is not a restorer (e.g. an mmseg
            segmentor or a bare network); the message names the config and
            what to pass instead.
    """
    if isinstance(config, str):
        from mofme_mm.utils.package_configs import resolve_config
        config = resolve_config(config)  # 'mofme_mm::...' -> shipped file
        if not osp.isfile(config):
            raise FileNotFoundError(
                f'config {config!r} does not exist: pass a restorer config '
                'file such as configs/mofme_raincityscapes.py, or one shipped '
                'in the package as mofme_mm::mofme_raincityscapes.py')
        name, cfg = config, Config.fromfile(config)
    elif isinstance(config, Config):
        name = config.filename or 'the given config'
        cfg = copy.deepcopy(config)
    elif isinstance(config, dict):
        name = 'the given config dict'
        config = copy.deepcopy(dict(config))
        cfg = Config(config if 'model' in config else dict(model=config))
    else:
        raise TypeError('config must be a file path, a Config or a dict, got '
                        f'{type(config).__name__}')
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    model = cfg.get('model')
    if not isinstance(model, dict) or 'type' not in model:
        raise KeyError(f'{name} has no `model` dict with a `type`; a restorer '
                       "config has model = dict(type='DeweatherRestorer', "
                       'network=...)')
    model_type = model['type']
    model_cls = model_type if not isinstance(model_type, str) else None
    if isinstance(model_type, str):
        with DefaultScope.overwrite_default_scope('mofme_mm'):
            model_cls = MODELS.get(model_type)
        scope = cfg.get('default_scope')
        if model_cls is None and '.' not in model_type and isinstance(
                scope, str) and scope != 'mofme_mm':
            # e.g. an mmseg config: type='EncoderDecoder', default_scope mmseg
            model_cls = MODELS.get(f'{scope}.{model_type}')
    if model_cls is None or not hasattr(model_cls, 'restore'):
        what = (f"{model_cls.__module__.split('.')[0]}."
                f'{model_cls.__name__}, which cannot restore images'
                if model_cls is not None else 'not a registered model')
        if model_cls is not None and model_cls.__module__.startswith(
                'mofme_mm.models.backbones'):
            what += (" (a bare network: wrap it as model = dict(type="
                     "'DeweatherRestorer', network=...))")
        raise TypeError(
            f'{name} is not a restorer config: its model '
            f'(type={model_type!r}) is {what}. Pass a config whose model is '
            'a DeweatherRestorer, e.g. configs/mofme_raincityscapes.py.' +
            _restorer_hint(cfg))
    return cfg


def init_restorer(config: ConfigInput,
                  checkpoint: Optional[str] = None,
                  device: Union[str, torch.device] = 'cpu',
                  cfg_options: Optional[dict] = None,
                  precision: Optional[str] = None) -> nn.Module:
    """Build a restorer from its config, load its weights, move it, eval mode.

    The restorer is built by :func:`mofme_mm.models.utils.build_restorer`
    (the project's one restorer builder, which loads weights strictly).

    Args:
        config (str | Config | dict): See :func:`load_restorer_config`.
        checkpoint (str, optional): Checkpoint written by training. None
            keeps random weights (a warning says so). Defaults to None.
        device (str | torch.device): Defaults to ``'cpu'``.
        cfg_options (dict, optional): Dotted config overrides. Defaults to
            None.
        precision (str, optional): 'fp32', 'bf16' or 'fp16': the
            restorer's ``test_cfg.precision`` (autocast dtype of
            ``restore``), checked against ``device`` now. None keeps the
            config's. Defaults to None.

    Returns:
        nn.Module: The restorer in eval mode, with its config as ``.cfg``.
    """
    device = check_device(device)
    if precision is not None:
        check_precision_supported(check_precision(precision, 'precision'),
                                  device)
    cfg = load_restorer_config(config, cfg_options)
    if checkpoint is None:
        warnings.warn('init_restorer: no checkpoint given, the restorer has '
                      'random weights and its outputs mean nothing.')
    model = build_restorer(cfg.model, checkpoint)
    if precision is not None:
        model.set_precision(precision)
        cfg.model.test_cfg = dict(model.test_cfg)
    model.cfg = cfg
    return model.to(device).eval()


def tiling_cfg(test_cfg: Optional[dict],
               tile_size: Optional[int] = None,
               tile_overlap: Optional[int] = None,
               tile_batch_size: Optional[int] = None,
               force_tile: bool = False) -> dict:
    """A model's ``test_cfg`` with tile settings overridden.

    Args:
        test_cfg (dict, optional): The model's ``test_cfg``.
        tile_size (int, optional): Tile side. Defaults to None (keep).
        tile_overlap (int, optional): Blended overlap. Defaults to None.
        tile_batch_size (int, optional): Tiles per forward pass. Defaults to
            None.
        force_tile (bool): Tile even when ``test_cfg`` restores whole images
            and no setting is given. Defaults to False.

    Returns:
        dict: A complete, validated test config; ``mode='tile'`` when any
        tile setting is given or ``force_tile``.
    """
    cfg = dict(test_cfg or {})
    overrides = dict(tile_size=tile_size, tile_overlap=tile_overlap,
                     tile_batch_size=tile_batch_size)
    overrides = {k: v for k, v in overrides.items() if v is not None}
    if overrides or force_tile:
        cfg['mode'] = 'tile'
    cfg.update(overrides)
    return check_test_cfg(cfg)


@contextlib.contextmanager
def override_test_cfg(model: nn.Module,
                      test_cfg: Optional[dict]) -> Iterator[None]:
    """Temporarily give ``model`` another ``test_cfg`` (None: keep it)."""
    if test_cfg is None:
        yield
        return
    if not hasattr(model, 'test_cfg'):
        raise TypeError(f'{type(model).__name__} has no test_cfg: tile '
                        'settings need a DeweatherRestorer')
    previous = model.test_cfg
    model.test_cfg = test_cfg
    try:
        yield
    finally:
        model.test_cfg = previous


def model_device(model: nn.Module) -> torch.device:
    """Device of the first parameter (cpu for a model without any)."""
    param = next(model.parameters(), None)
    return param.device if param is not None else torch.device('cpu')


def to_tensor(image: np.ndarray, device: torch.device) -> torch.Tensor:
    """RGB ``(3, H, W)`` float tensor in [0, 1] from any image format."""
    bgr, _ = to_bgr_unit(image)
    rgb = torch.from_numpy(np.ascontiguousarray(bgr[..., ::-1]))
    return rgb.permute(2, 0, 1).to(device)


def from_tensor(restored: torch.Tensor, original: np.ndarray) -> np.ndarray:
    """The restored RGB ``(3, H, W)`` tensor in the format of ``original``."""
    bgr = restored.detach().float().flip(0).permute(1, 2, 0).cpu().numpy()
    return from_bgr_unit(bgr, original)


@torch.no_grad()
def restore_batch(model: nn.Module, images: Sequence[np.ndarray]
                  ) -> List[np.ndarray]:
    """Restore equal-sized images in one ``model.restore`` call.

    Args:
        model (nn.Module): A restorer (``restore`` maps RGB [0, 1] batches).
        images (Sequence[np.ndarray]): Images of one size, any formats.

    Returns:
        list[np.ndarray]: Restored images, each in its input's format.
    """
    device = model_device(model)
    batch = torch.stack([to_tensor(image, device) for image in images])
    restored = model.restore(batch)
    return [from_tensor(out, image) for out, image in zip(restored, images)]


@torch.no_grad()
def restore_with_uncertainty(model: nn.Module, image: np.ndarray
                             ) -> Tuple[np.ndarray, np.ndarray]:
    """Restore one image and map its routing uncertainty.

    Args:
        model (nn.Module): A restorer with uncertainty-aware routers.
        image (np.ndarray): An image in any supported format.

    Returns:
        tuple: The restored image (the input's format) and the ``(H, W)``
        float32 uncertainty map in [0, 1]
        (:meth:`DeweatherRestorer.restore_with_uncertainty`).
    """
    if not hasattr(model, 'restore_with_uncertainty'):
        raise TypeError(f'{type(model).__name__} cannot map routing '
                        'uncertainty: pass a DeweatherRestorer from '
                        'init_restorer')
    batch = to_tensor(image, model_device(model))[None]
    restored, uncertainty, _ = model.restore_with_uncertainty(batch)
    return (from_tensor(restored[0], image),
            uncertainty[0, 0].float().cpu().numpy().astype(np.float32))


def restore_images(model: nn.Module,
                   images: Union[ImageInput, Sequence[ImageInput]],
                   tile_size: Optional[int] = None,
                   tile_overlap: Optional[int] = None,
                   tile_batch_size: Optional[int] = None,
                   return_uncertainty: bool = False):
    """Restore images (paths or arrays) of any size with a restorer.

    Each image is restored on its own (its result never depends on the other
    images), whole or tiled as ``model.test_cfg`` says; any tile setting given
    here switches to tiling with it, for this call only.

    Args:
        model (nn.Module): A restorer from :func:`init_restorer`.
        images (str | np.ndarray | Sequence): An image path or array, or a
            list of them. Arrays: grey ``(H, W)``, BGR ``(H, W, 3)`` or BGRA
            ``(H, W, 4)`` as OpenCV holds them; uint8, uint16 or float in
            ``[0, 1]``. Paths are read completely or fail
            (:func:`mofme_mm.utils.image_reading.read_image`).
        tile_size (int, optional): Tile side. Defaults to None (the model's).
        tile_overlap (int, optional): Blended tile overlap. Defaults to None.
        tile_batch_size (int, optional): Tiles per forward pass. Defaults to
            None.
        return_uncertainty (bool): Also return each image's routing
            uncertainty map, an ``(H, W)`` float32 array in [0, 1] (per
            token Monte-Carlo spread of the uncertainty-aware router,
            upsampled to pixels, stitched over tiles, divided by the image's
            maximum: :meth:`DeweatherRestorer.restore_with_uncertainty`).
            Needs a model with ``router_cfg=dict(type='uar')``; others raise
            ``ValueError`` naming their router. Defaults to False.

    Returns:
        np.ndarray | list[np.ndarray] | tuple | list[tuple]: The restored
        image(s), each with its input's shape and dtype (a list for a list
        input); with ``return_uncertainty`` a ``(restored, uncertainty)``
        pair per image (a list of pairs for a list input, one pair for a
        single image).
    """
    single = isinstance(images, (str, np.ndarray))
    items = [images] if single else list(images)
    test_cfg = None
    if any(v is not None for v in (tile_size, tile_overlap, tile_batch_size)):
        test_cfg = tiling_cfg(getattr(model, 'test_cfg', None), tile_size,
                              tile_overlap, tile_batch_size)
    outputs = []
    with override_test_cfg(model, test_cfg):
        for item in items:
            image = read_image(item) if isinstance(item, str) else item
            outputs.append(
                restore_with_uncertainty(model, image) if return_uncertainty
                else restore_batch(model, [image])[0])
    return outputs[0] if single else outputs
