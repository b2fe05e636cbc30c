"""Restorer-in-front logic shared by the mmseg / mmdet data preprocessors."""
from typing import Optional, Union

import torch.nn as nn

from mofme_mm.models.utils import (
    RestorerHolderMixin,
    raw_channel_order,
    restore_inputs,
)


class DeweatherPreprocessorMixin(RestorerHolderMixin):
    """Put a deweathering restorer in front of a downstream preprocessor.

    Mix it in before the downstream class, e.g.
    ``class X(DeweatherPreprocessorMixin, SegDataPreProcessor)``: its
    ``__init__`` takes the restorer's arguments and hands the rest to that
    class's ``__init__``.
    :meth:`forward` restores the raw batch (pixel values in ``[0, 255]``)
    with the restorer's ``restore()`` (RGB in ``[0, 1]``, tiled per its
    ``test_cfg``), turns it back into ``[0, 255]`` pixels in the original
    channel order and hands it to the downstream ``forward`` (channel
    conversion, normalisation, padding, ...). Weights and aux losses are
    handled as :class:`RestorerHolderMixin` describes.
    """

    holder_key = 'model.data_preprocessor'

    def __init__(self,
                 restorer: Union[str, dict, nn.Module],
                 restorer_checkpoint: Optional[str] = None,
                 trainable: bool = False,
                 input_channel_order: Optional[str] = None,
                 untrained_restorer: bool = False,
                 restorer_aux_losses: bool = True,
                 precision: Optional[str] = None,
                 **kwargs) -> None:
        """Build the downstream preprocessor, then the restorer.

        Args:
            restorer (str | dict | nn.Module): Restorer config file (its
                ``model`` is built), model dict (e.g.
                ``dict(type='DeweatherRestorer', network=...)``) or module.
            restorer_checkpoint (str, optional): Checkpoint of the restorer,
                loaded strictly. Defaults to None: the weights must then
                come from a model checkpoint that carries them under
                ``data_preprocessor.restorer.*`` (what tools/train.py
                saves), or ``untrained_restorer`` must be set.
            trainable (bool): Train the restorer with the downstream loss.
                When False (default) it is frozen: eval mode, no gradients.
            input_channel_order (str, optional): 'bgr' or 'rgb', the channel
                order of the raw images. Defaults to None: BGR unless
                ``rgb_to_bgr`` is set.
            untrained_restorer (bool): Run with the restorer's initial
                weights on purpose (tests). Defaults to False: a load or
                forward without trained restorer weights raises.
            restorer_aux_losses (bool): With ``trainable``, add the
                restorer's ``loss_restorer_balance`` /
                ``loss_restorer_uncertainty`` (Eq. 11 weights) to the
                model's loss dict; needs ``RestorerAuxLossHook`` in
                ``custom_hooks``. Defaults to True.
            precision (str, optional): Inference precision of the restorer,
                'fp32', 'bf16' or 'fp16' (its ``test_cfg.precision``,
                autocast; see docs/deployment.md). Defaults to None: the
                restorer config's (fp32 unless it says otherwise).
            **kwargs: Arguments of the downstream preprocessor (mean, std,
                bgr_to_rgb, ...).
        """
        super().__init__(**kwargs)
        self._init_restorer(restorer, restorer_checkpoint, trainable,
                            input_channel_order,
                            kwargs.get('bgr_to_rgb', False),
                            kwargs.get('rgb_to_bgr', False),
                            untrained_restorer, restorer_aux_losses,
                            precision)

    def _init_restorer(self,
                       restorer: Union[str, dict, nn.Module],
                       restorer_checkpoint: Optional[str] = None,
                       trainable: bool = False,
                       input_channel_order: Optional[str] = None,
                       bgr_to_rgb: bool = False,
                       rgb_to_bgr: bool = False,
                       untrained_restorer: bool = False,
                       restorer_aux_losses: bool = True,
                       precision: Optional[str] = None) -> None:
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
            untrained_restorer (bool): Allow running without trained
                restorer weights.
            restorer_aux_losses (bool): When trainable, add the restorer's
                weighted aux losses to the downstream loss.
            precision (str, optional): The restorer's ``test_cfg.precision``
                ('fp32', 'bf16', 'fp16'); None keeps its config's.
        """
        self._init_restorer_holder(restorer, restorer_checkpoint, trainable,
                                   untrained_restorer, restorer_aux_losses,
                                   precision)
        self.input_channel_order = raw_channel_order(bgr_to_rgb, rgb_to_bgr,
                                                     input_channel_order)

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
        with self._restoring(training):
            data['inputs'] = restore_inputs(
                self.restorer, data['inputs'], self.input_channel_order,
                with_grad=self.trainable)
        return super().forward(data, training)
