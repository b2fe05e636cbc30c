"""Backbone wrapper: a deweathering restorer in front of any mm backbone."""
import logging
from typing import Optional, Sequence, Union

import torch
import torch.nn as nn
from mmengine.logging import print_log
from mmengine.model import BaseModule

from mofme_mm.models.utils import (
    RestorerHolderMixin,
    from_restorer_range,
    to_restorer_range,
)
from mofme_mm.registry import MODELS

IMAGENET_MEAN = (123.675, 116.28, 103.53)
IMAGENET_STD = (58.395, 57.12, 57.375)


def _adopt_plain_backbone_keys(module: nn.Module, state_dict: dict,
                               prefix: str, *args) -> None:
    """Load pre-hook: read a checkpoint of the model WITHOUT the wrapper.

    There the backbone's weights are ``<prefix><name>``; the wrapped
    backbone's are ``<prefix>backbone.<name>``. When the checkpoint has none
    of the latter, the former are renamed (and the count logged), so that
    ``load_from`` a plain segmentor / detector checkpoint initialises the
    wrapped backbone instead of reporting all its keys as missing.
    """
    inner = prefix + 'backbone.'
    if any(k.startswith(inner) for k in state_dict):
        return
    names = set(module.backbone.state_dict())
    plain = [k for k in state_dict
             if k.startswith(prefix) and k[len(prefix):] in names
             and k[len(prefix):].split('.')[0] not in ('backbone', 'restorer')]
    for key in plain:
        state_dict[inner + key[len(prefix):]] = state_dict.pop(key)
    if plain:
        print_log(
            f'DeweatherBackbone: {len(plain)} weights of "{prefix}*" (a '
            'checkpoint of the model without the restorer wrapper) loaded '
            f'into the wrapped backbone "{inner}*".', logger='current',
            level=logging.INFO)


@MODELS.register_module()
class DeweatherBackbone(RestorerHolderMixin, BaseModule):
    """Restorer + backbone, for end-to-end fine-tuning of both.

    The data preprocessor normalises the batch for the backbone; this wrapper
    undoes that normalisation, restores the images (RGB ``[0, 1]``, tiled per
    the restorer's ``test_cfg``), normalises the result again and runs the
    wrapped backbone on it. With ``trainable=True`` (default) the downstream
    loss reaches the restorer's weights, and in training the restorer's
    load-balance and uncertainty losses, weighted by its own
    ``balance_loss_weight`` / ``uncertainty_loss_weight`` (Eq. 11), join the
    downstream model's loss dict as ``loss_restorer_balance`` /
    ``loss_restorer_uncertainty`` (``RestorerAuxLossHook`` in
    ``custom_hooks``, see :class:`RestorerHolderMixin`). ``load_from`` a
    checkpoint of the same model without the wrapper fills the wrapped
    backbone.

    Args:
        backbone (dict): Config of the wrapped backbone (any mmseg / mmdet
            backbone, built in the current default scope, e.g.
            ``dict(type='ResNetV1c', ...)`` or ``dict(type='mmdet.ResNet')``).
        restorer (str | dict | nn.Module): Restorer config file, model dict
            or module.
        restorer_checkpoint (str, optional): Checkpoint of the restorer,
            loaded strictly. Defaults to None: the weights must then come
            from a checkpoint carrying ``backbone.restorer.*``, or
            ``untrained_restorer`` must be set.
        mean (Sequence[float]): Mean the data preprocessor subtracted, in the
            channel order it outputs. Defaults to ImageNet's RGB mean.
        std (Sequence[float]): Std the data preprocessor divided by.
            Defaults to ImageNet's RGB std.
        channel_order (str): Channel order of the preprocessed batch, 'rgb'
            (``bgr_to_rgb=True``) or 'bgr'. Defaults to 'rgb'.
        trainable (bool): Train the restorer too. Defaults to True; False
            freezes it (eval mode, no gradients).
        untrained_restorer (bool): Start from the restorer's initial weights
            on purpose. Defaults to False.
        restorer_aux_losses (bool): Add the restorer's weighted aux losses
            to the downstream loss when it trains. Defaults to True.
        precision (str, optional): Precision of the restorer, 'fp32',
            'bf16' or 'fp16' (its ``test_cfg.precision``: autocast in
            ``restore``, also when it trains). Defaults to None: the
            restorer config's.
        init_cfg (dict, optional): Initialisation config of the wrapper.
            Defaults to None.
    """

    holder_key = 'model.backbone'

    def __init__(self,
                 backbone: dict,
                 restorer: Union[str, dict, nn.Module],
                 restorer_checkpoint: Optional[str] = None,
                 mean: Sequence[float] = IMAGENET_MEAN,
                 std: Sequence[float] = IMAGENET_STD,
                 channel_order: str = 'rgb',
                 trainable: bool = True,
                 untrained_restorer: bool = False,
                 restorer_aux_losses: bool = True,
                 precision: Optional[str] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self._init_restorer_holder(restorer, restorer_checkpoint, trainable,
                                   untrained_restorer, restorer_aux_losses,
                                   precision)
        self.backbone = MODELS.build(backbone)
        self.channel_order = channel_order
        self.register_buffer('mean', torch.tensor(mean, dtype=torch.float32),
                             persistent=False)
        self.register_buffer('std', torch.tensor(std, dtype=torch.float32),
                             persistent=False)
        self.register_load_state_dict_pre_hook(_adopt_plain_backbone_keys)

    def restore(self, x: torch.Tensor) -> torch.Tensor:
        """Restore a normalised batch and return it normalised again.

        Args:
            x (torch.Tensor): ``(B, 3, H, W)`` batch as the data
                preprocessor produced it.

        Returns:
            torch.Tensor: The restored batch, normalised like ``x``.
        """
        rgb = to_restorer_range(x, self.channel_order, self.mean, self.std)
        with torch.set_grad_enabled(self.trainable
                                    and torch.is_grad_enabled()), \
                self._restoring(self.training):
            restored = self.restorer.restore(rgb)
        return from_restorer_range(restored, self.channel_order, self.mean,
                                   self.std)

    def forward(self, x: torch.Tensor):
        """Restore ``x``, then run the wrapped backbone on it.

        Args:
            x (torch.Tensor): Normalised ``(B, 3, H, W)`` batch.

        Returns:
            The wrapped backbone's output (e.g. a tuple of feature maps).
        """
        return self.backbone(self.restore(x))
