"""Restorer-in-front logic shared by the mmseg / mmdet data preprocessors."""
from typing import Optional, Union

import torch.nn as nn

from mofme_mm.models.utils import (
    build_restorer,
    freeze_module,
    raw_channel_order,
    restore_inputs,
)


class DeweatherPreprocessorMixin:
    """Put a deweathering restorer in front of a downstream preprocessor.

    Mix it in before the downstream class, e.g.
    ``class X(DeweatherPreprocessorMixin, SegDataPreProcessor)``, and call
    :meth:`_init_restorer` after that class's ``__init__``.
    :meth:`forward` restores the raw batch (pixel values in ``[0, 255]``)
    with the restorer's ``restore()`` (RGB in ``[0, 1]``, tiled per its
    ``test_cfg``), turns it back into ``[0, 255]`` pixels in the original
    channel order and hands it to the downstream ``forward`` (channel
    conversion, normalisation, padding, ...).
    """

    def _init_restorer(self,
                       restorer: Union[str, dict, nn.Module],
                       restorer_checkpoint: Optional[str] = None,
                       trainable: bool = False,
                       input_channel_order: Optional[str] = None,
                       bgr_to_rgb: bool = False,
                       rgb_to_bgr: bool = False) -> None:
        """Build (and unless ``trainable``, freeze) the restorer.

        Args:
            restorer (str | dict | nn.Module): Restorer config file, model
                dict or module.
            restorer_checkpoint (str, optional): Checkpoint of the restorer.
            trainable (bool): Train the restorer with the downstream loss.
            input_channel_order (str, optional): 'bgr' or 'rgb', the channel
                order of the raw images; None infers it from the flags.
            bgr_to_rgb (bool): The downstream preprocessor's ``bgr_to_rgb``.
            rgb_to_bgr (bool): The downstream preprocessor's ``rgb_to_bgr``.
        """
        self.restorer = build_restorer(restorer, restorer_checkpoint)
        self.trainable = trainable
        self.input_channel_order = raw_channel_order(bgr_to_rgb, rgb_to_bgr,
                                                     input_channel_order)
        if not trainable:
            freeze_module(self.restorer)

    def train(self, mode: bool = True):
        """Set train mode, keeping a frozen restorer in eval mode."""
        super().train(mode)
        if not self.trainable:
            self.restorer.eval()
        return self

    def forward(self, data: dict, training: bool = False) -> dict:
        """Restore ``data['inputs']``, then preprocess as downstream does.

        Args:
            data (dict): Data sampled from the dataloader.
            training (bool): Whether to enable training-time augmentation.

        Returns:
            dict: ``inputs`` (normalised restored batch) and
            ``data_samples``, as the downstream preprocessor returns them.
        """
        data = self.cast_data(data)
        data['inputs'] = restore_inputs(
            self.restorer, data['inputs'], self.input_channel_order,
            with_grad=self.trainable)
        return super().forward(data, training)
