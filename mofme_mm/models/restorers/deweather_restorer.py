"""The deweathering model: a restoration network with losses and tiling."""
import inspect
from numbers import Number
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
from mmengine.model import BaseModel, stack_batch
from mmengine.structures import PixelData
from torch import Tensor, nn

from mofme_mm.models.layers.uncertainty_router import mc_routers
from mofme_mm.registry import MODELS
from mofme_mm.structures import RestorationDataSample

from .precision import (
    DTYPES,
    LowPrecisionWeights,
    check_precision,
    check_precision_supported,
    precision_autocast,
)
from .tiling import tiled_restore

TEST_MODES = ('whole', 'tile')
DEFAULT_TEST_CFG = dict(
    mode='whole', tile_size=256, tile_overlap=0, tile_batch_size=8,
    precision='fp32', uncertainty=False)
AUX_LOSS_KEYS = ('loss_balance', 'loss_uncertainty')


def check_test_cfg(test_cfg: Optional[dict]) -> dict:
    """Fill the defaults of ``test_cfg`` and validate every field.

    Args:
        test_cfg (dict, optional): ``mode`` ('whole' or 'tile'), for
            tiling ``tile_size``, ``tile_overlap`` and ``tile_batch_size``,
            and ``precision`` ('fp32', 'bf16' or 'fp16', see
            :mod:`.precision`), and ``uncertainty`` (bool: ``predict`` also
            writes the routing uncertainty map, see
            :meth:`DeweatherRestorer.restore_with_uncertainty`).

    Returns:
        dict: The complete test config.
    """
    cfg = dict(DEFAULT_TEST_CFG)
    unknown = sorted(set(test_cfg or {}) - set(cfg))
    if unknown:
        raise KeyError(f'model.test_cfg has unknown fields {unknown}; '
                       f'allowed: {sorted(cfg)}.')
    cfg.update(test_cfg or {})
    if cfg['mode'] not in TEST_MODES:
        raise ValueError(f'model.test_cfg.mode must be one of {TEST_MODES}, '
                         f"got {cfg['mode']!r}.")
    for key in ('tile_size', 'tile_batch_size'):
        if not isinstance(cfg[key], int) or cfg[key] < 1:
            raise ValueError(f'model.test_cfg.{key} must be a positive int, '
                             f'got {cfg[key]!r}.')
    overlap = cfg['tile_overlap']
    if not isinstance(overlap, int) or not 0 <= 2 * overlap <= cfg[
            'tile_size']:
        raise ValueError(
            'model.test_cfg.tile_overlap must be an int in [0, tile_size / 2 '
            f"= {cfg['tile_size'] // 2}], got {overlap!r}.")
    check_precision(cfg['precision'])
    if not isinstance(cfg['uncertainty'], bool):
        raise ValueError('model.test_cfg.uncertainty must be True or False, '
                         f"got {cfg['uncertainty']!r}.")
    return cfg


def _check_weight(name: str, value) -> float:
    if not isinstance(value, Number) or value < 0:
        raise ValueError(f'model.{name} must be a number >= 0, got {value!r}.')
    return float(value)


@MODELS.register_module()
class DeweatherRestorer(BaseModel):
    """Restores weathered images with any restoration network.

    The network maps RGB ``(B, 3, H, W)`` in [0, 1] to ``(restored, aux)``
    (a bare tensor is accepted too); ``aux['losses']`` may hold the unweighted
    MoE losses ``loss_balance`` (Eq. 8) and ``loss_uncertainty`` (Eq. 10).

    Modes of ``forward``: ``'loss'`` returns the task loss(es) plus
    ``balance_loss_weight x loss_balance`` and ``uncertainty_loss_weight x
    loss_uncertainty``, each under its own key; ``'predict'`` writes
    ``pred_img`` and ``input_img`` (RGB [0, 1], cropped to ``img_shape``) into
    the data samples, and with ``test_cfg.uncertainty=True`` also
    ``pred_uncertainty`` (see :meth:`restore_with_uncertainty`);
    ``'tensor'`` returns the restored batch.

    Args:
        network (dict): Config of the restoration network, e.g.
            ``dict(type='MoFMEViT', ...)``.
        data_preprocessor (dict): Defaults to
            ``dict(type='RestorationDataPreprocessor')``.
        pixel_loss (dict | list[dict]): Task loss(es), summed. Defaults to
            ``dict(type='MSELoss')`` (the paper). The reference scripts use
            ``[dict(type='L1Loss'), dict(type='PerceptualLoss',
            loss_weight=0.04, vgg_checkpoint=...)]``.
        balance_loss_weight (float): lambda1 of the load-balance loss.
            Defaults to 1e-2.
        uncertainty_loss_weight (float): lambda2 of the uncertainty loss.
            Defaults to 5e-3.
        test_cfg (dict, optional): How ``restore`` and ``predict`` run:
            ``mode='whole'`` (one forward pass per image) or ``'tile'``
            (``tile_size``, ``tile_overlap``, ``tile_batch_size``, see
            :func:`tiled_restore`), in ``precision`` 'fp32' (default),
            'bf16' or 'fp16' (autocast, see :mod:`.precision`). Defaults to
            whole fp32 images.
        init_cfg (dict, optional): mmengine initialisation config.
    """

    def __init__(self,
                 network: dict,
                 data_preprocessor: Optional[dict] = None,
                 pixel_loss: Optional[Union[dict, Sequence[dict]]] = None,
                 balance_loss_weight: float = 1e-2,
                 uncertainty_loss_weight: float = 5e-3,
                 test_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='RestorationDataPreprocessor')
        if isinstance(data_preprocessor, dict):  # from our registry, any scope
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if not isinstance(network, (dict, nn.Module)):
            raise TypeError('model.network must be a config dict such as '
                            "dict(type='MoFMEViT', ...), got "
                            f'{type(network).__name__}.')
        self.network = (network if isinstance(network, nn.Module) else
                        MODELS.build(network))
        if pixel_loss is None:
            pixel_loss = dict(type='MSELoss')
        if isinstance(pixel_loss, dict):
            pixel_loss = [pixel_loss]
        if len(pixel_loss) == 0:
            raise ValueError('model.pixel_loss must name at least one loss, '
                             "e.g. dict(type='MSELoss').")
        self.pixel_losses = nn.ModuleList(
            MODELS.build(cfg) for cfg in pixel_loss)
        names = [loss.loss_name for loss in self.pixel_losses]
        if len(set(names)) != len(names) or set(names) & set(AUX_LOSS_KEYS):
            raise ValueError(f'model.pixel_loss: loss names {names} must be '
                             f'distinct and differ from {AUX_LOSS_KEYS}.')
        self.balance_loss_weight = _check_weight('balance_loss_weight',
                                                 balance_loss_weight)
        self.uncertainty_loss_weight = _check_weight('uncertainty_loss_weight',
                                                     uncertainty_loss_weight)
        self.test_cfg = check_test_cfg(test_cfg)
        self._low_precision_weights = LowPrecisionWeights()

    def set_precision(self, precision: str) -> None:
        """Set ``test_cfg.precision`` ('fp32', 'bf16' or 'fp16')."""
        self.test_cfg = check_test_cfg(dict(self.test_cfg,
                                            precision=precision))

    # ----------------------------------------------------------------- network
    def _network_forward(self, images: Tensor) -> Tuple[Tensor, dict]:
        outputs = self.network(images)
        if isinstance(outputs, Tensor):
            return outputs, {}
        restored, aux = outputs
        return restored, aux or {}

    def _restoring_forward(self, images: Tensor,
                           uncertainty: bool = False) -> Tensor:
        """The restored images of the network, in ``test_cfg.precision``.

        Under autocast and without gradients the network runs on cached
        low-precision copies of its matmul / conv weights (the values
        autocast would cast them to), not casting them on every call. With
        ``uncertainty`` the network's raw routing uncertainty map is appended
        as a 4th channel (so that tiling stitches it like the image).
        """
        kwargs = dict(return_uncertainty=True) if uncertainty else {}
        precision = self.test_cfg['precision']
        if precision == 'fp32' or torch.is_grad_enabled():
            outputs = self.network(images, **kwargs)
        else:
            weights = self._low_precision_weights.get(self.network,
                                                      DTYPES[precision])
            outputs = torch.func.functional_call(self.network, weights,
                                                 (images, ), kwargs)
        restored = outputs if isinstance(outputs, Tensor) else outputs[0]
        restored = restored.to(images.dtype)
        if uncertainty:
            restored = torch.cat(
                [restored, outputs[1]['uncertainty'].to(images.dtype)], 1)
        return restored

    def check_uncertainty_support(self) -> None:
        """Refuse, by name, a network that cannot map routing uncertainty."""
        params = inspect.signature(self.network.forward).parameters
        if 'return_uncertainty' not in params:
            raise ValueError(
                f'routing uncertainty: the network '
                f'{type(self.network).__name__} has no return_uncertainty '
                'option; use a MoFMEViT with router_cfg=dict(type=\'uar\').')
        mc_routers(self.network)  # raises for a top-k / dense network

    def restore_with_uncertainty(self, images: Tensor
                                 ) -> Tuple[Tensor, Tensor, Tensor]:
        """Restore as :meth:`restore` and map the routing uncertainty.

        The map is the network's per-token Monte-Carlo spread of the
        uncertainty-aware router's probabilities (``MoFMEViT.forward`` with
        ``return_uncertainty``: sum over experts of the variance over the
        router's dropout passes, averaged over the MoE layers), bilinearly
        upsampled from the token grid to pixels; tiles are stitched (and
        blended) exactly as the image. Each image's map is then divided by
        its own maximum: 1 marks the most uncertain pixel of that image, 0
        zero spread (an all-zero map when the spread is zero everywhere).
        The raw maximum is returned as ``peak`` for comparisons across
        images. Deterministic (seeded dropout masks, the same for every
        image of the batch); routing and restored image are unchanged.

        Args:
            images (Tensor): ``(B, 3, H, W)`` RGB in [0, 1].

        Returns:
            tuple: restored ``(B, 3, H, W)`` in [0, 1], uncertainty
            ``(B, 1, H, W)`` float32 in [0, 1], peak ``(B,)`` float32 raw
            maximum spread.

        Raises:
            ValueError: The network has no uncertainty-aware router (e.g. the
                top-k router); the message names it and what to use.
        """
        self.check_uncertainty_support()
        both = self._restore(images, uncertainty=True)
        restored = both[:, :3].clamp(0.0, 1.0)
        raw = both[:, 3:].float().clamp_min(0.0)
        peak = raw.flatten(1).amax(dim=1)
        scale = torch.where(peak > 0, peak, torch.ones_like(peak))
        uncertainty = (raw / scale[:, None, None, None]).clamp(0.0, 1.0)
        return restored, uncertainty, peak

    def restore(self, images: Tensor) -> Tensor:
        """Restore RGB [0, 1] images according to ``test_cfg``.

        Gradients flow when enabled by the caller; wrap in ``torch.no_grad``
        for inference. ``test_cfg.precision`` sets the autocast dtype (fp32:
        autocast off, whatever the caller's setting).

        Args:
            images (Tensor): ``(B, 3, H, W)`` RGB in [0, 1], any size.

        Returns:
            Tensor: Restored images of the same shape and dtype, clamped to
            [0, 1].
        """
        return self._restore(images).clamp(0.0, 1.0)

    def _restore(self, images: Tensor, uncertainty: bool = False) -> Tensor:
        """Whole or tiled network output (with the raw map channel)."""
        cfg = self.test_cfg
        check_precision_supported(cfg['precision'], images.device)

        def forward(batch: Tensor) -> Tensor:
            return self._restoring_forward(batch, uncertainty)

        with precision_autocast(cfg['precision'], images.device.type):
            if cfg['mode'] == 'whole':
                return forward(images)
            return tiled_restore(
                forward,
                images,
                tile_size=cfg['tile_size'],
                overlap=cfg['tile_overlap'],
                tile_batch_size=cfg['tile_batch_size'])

    # ------------------------------------------------------------------- modes
    def forward(self,
                inputs: Tensor,
                data_samples: Optional[List[RestorationDataSample]] = None,
                mode: str = 'tensor'):
        """Dispatch to :meth:`loss`, :meth:`predict` or the raw network.

        Args:
            inputs (Tensor): ``(B, 3, H, W)`` RGB in [0, 1].
            data_samples (list[RestorationDataSample], optional): Samples
                with ``gt_img`` (loss) or metainfo (predict).
            mode (str): ``'loss'``, ``'predict'`` or ``'tensor'``.
        """
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self._network_forward(inputs)[0]
        raise ValueError(f"mode must be 'loss', 'predict' or 'tensor', "
                         f'got {mode!r}.')

    def loss(self, inputs: Tensor,
             data_samples: List[RestorationDataSample]) -> Dict[str, Tensor]:
        """Task and auxiliary losses of a training batch.

        Args:
            inputs (Tensor): ``(B, 3, H, W)`` RGB in [0, 1].
            data_samples (list[RestorationDataSample]): With ``gt_img``.

        Returns:
            dict[str, Tensor]: One entry per task loss (e.g. ``loss_mse``)
            plus the weighted ``loss_balance`` / ``loss_uncertainty`` that
            the network reports.
        """
        if not data_samples or any('gt_img' not in s for s in data_samples):
            raise ValueError('loss mode needs data samples with gt_img; check '
                             'that the train pipeline has LoadGTImageFromFile '
                             'and PackRestorationInputs.')
        gt, mask = self._stack_gt(inputs, data_samples)
        restored, aux = self._network_forward(inputs)
        if mask is not None:  # padded pixels cost nothing
            restored = torch.where(mask.bool(), restored, gt)
        losses = {
            loss.loss_name: loss(restored, gt, mask)
            for loss in self.pixel_losses
        }
        aux_losses = aux.get('losses', {})
        weights = dict(
            loss_balance=self.balance_loss_weight,
            loss_uncertainty=self.uncertainty_loss_weight)
        for key, weight in weights.items():
            if key in aux_losses:
                losses[key] = weight * aux_losses[key]
        return losses

    def predict(self, inputs: Tensor,
                data_samples: Optional[List[RestorationDataSample]] = None
                ) -> List[RestorationDataSample]:
        """Restore a batch and store the results in the data samples.

        Every image is restored at its own size (``img_shape``), never as
        part of the zero-padded batch: with global attention (and tiles laid
        over the padded frame) the padding would change the result, so an
        image's output would depend on its batch-mates. Images of equal size
        are restored together, one ``restore`` call per size.

        Args:
            inputs (Tensor): ``(B, 3, H, W)`` RGB in [0, 1], padded
                bottom/right to the largest image.
            data_samples (list[RestorationDataSample], optional): Their
                ``img_shape`` (default: the full ``(H, W)``) is each image's
                valid size. New samples are made when None.

        Returns:
            list[RestorationDataSample]: With ``pred_img`` and ``input_img``
            (``(3, h, w)`` RGB [0, 1]); with ``test_cfg.uncertainty`` also
            ``pred_uncertainty`` (``(1, h, w)`` in [0, 1], metainfo
            ``uncertainty_peak``: the raw maximum, see
            :meth:`restore_with_uncertainty`).
        """
        if data_samples is None:
            data_samples = [RestorationDataSample() for _ in inputs]
        if len(data_samples) != len(inputs):
            raise ValueError(f'predict got {len(inputs)} images but '
                             f'{len(data_samples)} data samples.')
        groups: Dict[Tuple[int, int], List[int]] = {}
        for index, sample in enumerate(data_samples):
            size = self._valid_size(sample, inputs.shape[-2:])
            groups.setdefault(size, []).append(index)
        for (height, width), indices in groups.items():
            images = inputs[indices, :, :height, :width]
            if self.test_cfg['uncertainty']:
                restored, maps, peaks = self.restore_with_uncertainty(images)
            else:
                restored, maps, peaks = self.restore(images), None, None
            for pos, (index, image, output) in enumerate(
                    zip(indices, images, restored)):
                data_samples[index].input_img = PixelData(data=image)
                data_samples[index].pred_img = PixelData(data=output)
                if maps is not None:
                    data_samples[index].pred_uncertainty = PixelData(
                        data=maps[pos],
                        metainfo=dict(uncertainty_peak=float(peaks[pos])))
        return data_samples

    @staticmethod
    def _valid_size(sample: RestorationDataSample,
                    padded: Sequence[int]) -> Tuple[int, int]:
        """``img_shape`` of a sample (the padded size when absent)."""
        height, width = (int(v) for v in tuple(
            sample.metainfo.get('img_shape', tuple(padded)))[:2])
        if not (0 < height <= padded[0] and 0 < width <= padded[1]):
            raise ValueError(
                f"img_shape {(height, width)} of "
                f"{sample.metainfo.get('img_path', 'a sample')} does not fit "
                f'the batch of size {tuple(padded)}.')
        return height, width

    @staticmethod
    def _stack_gt(inputs: Tensor, data_samples: List[RestorationDataSample]
                  ) -> Tuple[Tensor, Optional[Tensor]]:
        """Pad the ground truths like ``inputs``; mask when padding exists."""
        gts = []
        for sample in data_samples:
            gt = sample.gt_img.data
            size = tuple(sample.metainfo.get('img_shape', gt.shape[-2:]))[:2]
            if tuple(gt.shape[-2:]) != size:
                raise ValueError(
                    f"gt_img of {sample.metainfo.get('img_path', 'a sample')} "
                    f'is {tuple(gt.shape[-2:])} but its input is {size}; '
                    'paired transforms must crop both the same way.')
            gts.append(gt.to(inputs.dtype))
        if all(tuple(gt.shape[-2:]) == tuple(inputs.shape[-2:])
               for gt in gts):
            return torch.stack(gts), None
        padded_h, padded_w = inputs.shape[-2:]
        gt = stack_batch(gts, pad_size_divisor=1, pad_value=0)
        gt = torch.nn.functional.pad(
            gt, (0, padded_w - gt.shape[-1], 0, padded_h - gt.shape[-2]))
        mask = torch.zeros_like(gt[:, :1])
        for index, image in enumerate(gts):
            mask[index, :, :image.shape[-2], :image.shape[-1]] = 1
        return gt, mask
