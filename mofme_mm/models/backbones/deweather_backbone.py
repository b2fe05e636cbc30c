"""Backbone wrapper: a deweathering restorer in front of any mm backbone."""
from typing import Optional, Sequence, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from mofme_mm.models.utils import (
    build_restorer,
    freeze_module,
    from_restorer_range,
    to_restorer_range,
)
from mofme_mm.registry import MODELS

IMAGENET_MEAN = (123.675, 116.28, 103.53)
IMAGENET_STD = (58.395, 57.12, 57.375)


@MODELS.register_module()
class DeweatherBackbone(BaseModule):
    """Restorer + backbone, for end-to-end fine-tuning of both.

    The data preprocessor normalises the batch for the backbone; this wrapper
    undoes that normalisation, restores the images (RGB ``[0, 1]``, tiled per
    the restorer's ``test_cfg``), normalises the result again and runs the
    wrapped backbone on it. With ``trainable=True`` (default) the downstream
    loss reaches the restorer's weights.

    Args:
        backbone (dict): Config of the wrapped backbone (any mmseg / mmdet
            backbone, built in the current default scope, e.g.
            ``dict(type='ResNetV1c', ...)`` or ``dict(type='mmdet.ResNet')``).
        restorer (str | dict | nn.Module): Restorer config file, model dict
            or module.
        restorer_checkpoint (str, optional): Checkpoint of the restorer.
            Defaults to None.
        mean (Sequence[float]): Mean the data preprocessor subtracted, in the
            channel order it outputs. Defaults to ImageNet's RGB mean.
        std (Sequence[float]): Std the data preprocessor divided by.
            Defaults to ImageNet's RGB std.
        channel_order (str): Channel order of the preprocessed batch, 'rgb'
            (``bgr_to_rgb=True``) or 'bgr'. Defaults to 'rgb'.
        trainable (bool): Train the restorer too. Defaults to True; False
            freezes it (eval mode, no gradients).
        init_cfg (dict, optional): Initialisation config of the wrapper.
            Defaults to None.
    """

    def __init__(self,
                 backbone: dict,
                 restorer: Union[str, dict, nn.Module],
                 restorer_checkpoint: Optional[str] = None,
                 mean: Sequence[float] = IMAGENET_MEAN,
                 std: Sequence[float] = IMAGENET_STD,
                 channel_order: str = 'rgb',
                 trainable: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.restorer = build_restorer(restorer, restorer_checkpoint)
        self.backbone = MODELS.build(backbone)
        self.trainable = trainable
        self.channel_order = channel_order
        self.register_buffer('mean', torch.tensor(mean, dtype=torch.float32),
                             persistent=False)
        self.register_buffer('std', torch.tensor(std, dtype=torch.float32),
                             persistent=False)
        if not trainable:
            freeze_module(self.restorer)

    def train(self, mode: bool = True) -> 'DeweatherBackbone':
        """Set train mode, keeping a frozen restorer in eval mode."""
        super().train(mode)
        if not self.trainable:
            self.restorer.eval()
        return self

    def restore(self, x: torch.Tensor) -> torch.Tensor:
        """Restore a normalised batch and return it normalised again.

        Args:
            x (torch.Tensor): ``(B, 3, H, W)`` batch as the data
                preprocessor produced it.

        Returns:
            torch.Tensor: The restored batch, normalised like ``x``.
        """
        rgb = to_restorer_range(x, self.channel_order, self.mean, self.std)
        with torch.set_grad_enabled(self.trainable and torch.is_grad_enabled()):
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
