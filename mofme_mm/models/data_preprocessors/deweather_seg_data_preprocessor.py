"""mmseg data preprocessor that deweathers the batch before normalising."""
from typing import Optional, Union

import torch.nn as nn
from mmseg.models.data_preprocessor import SegDataPreProcessor

from mofme_mm.registry import MODELS

from .deweather_mixin import DeweatherPreprocessorMixin


@MODELS.register_module()
class DeweatherSegDataPreProcessor(DeweatherPreprocessorMixin,
                                   SegDataPreProcessor):
    """``SegDataPreProcessor`` with a deweathering restorer in front.

    The raw batch (pixel values in ``[0, 255]``) is handed to the restorer's
    ``restore()`` as RGB in ``[0, 1]`` (tiled per the restorer's
    ``test_cfg``), turned back into ``[0, 255]`` pixels in the original
    channel order, and then processed by ``SegDataPreProcessor`` as usual
    (channel conversion, mean/std normalisation, padding, stacking). So the
    segmentor sees ``(restore(x) * 255 - mean) / std`` and swapping
    ``data_preprocessor`` is all an mmseg config needs.

    Args:
        restorer (str | dict | nn.Module): Restorer config file (its
            ``model`` is built), model dict (e.g.
            ``dict(type='DeweatherRestorer', network=...)``) or module.
        restorer_checkpoint (str, optional): Checkpoint of the restorer,
            loaded strictly. Defaults to None: the weights must then come
            from a model checkpoint that carries them under
            ``data_preprocessor.restorer.*`` (what tools/train.py saves),
            or ``untrained_restorer`` must be set.
        trainable (bool): Train the restorer with the downstream loss. When
            False (default) it is frozen: eval mode, no gradients.
        input_channel_order (str, optional): 'bgr' or 'rgb', the channel
            order of the raw images. Defaults to None: BGR unless
            ``rgb_to_bgr`` is set.
        untrained_restorer (bool): Run with the restorer's initial weights
            on purpose (tests). Defaults to False: a load or forward without
            trained restorer weights raises.
        restorer_aux_losses (bool): With ``trainable``, add the restorer's
            ``loss_restorer_balance`` / ``loss_restorer_uncertainty``
            (Eq. 11 weights) to the model's loss dict; needs
            ``RestorerAuxLossHook`` in ``custom_hooks``. Defaults to True.
        precision (str, optional): Inference precision of the restorer,
            'fp32', 'bf16' or 'fp16' (its ``test_cfg.precision``, autocast;
            see docs/deployment.md). Defaults to None: the restorer
            config's (fp32 unless it says otherwise).
        **kwargs: Arguments of ``SegDataPreProcessor`` (mean, std,
            bgr_to_rgb, size, pad_val, seg_pad_val, test_cfg, ...).
    """

    def __init__(self,
                 restorer: Union[str, dict, nn.Module],
                 restorer_checkpoint: Optional[str] = None,
                 trainable: bool = False,
                 input_channel_order: Optional[str] = None,
                 untrained_restorer: bool = False,
                 restorer_aux_losses: bool = True,
                 precision: Optional[str] = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self._init_restorer(restorer, restorer_checkpoint, trainable,
                            input_channel_order,
                            kwargs.get('bgr_to_rgb', False),
                            kwargs.get('rgb_to_bgr', False),
                            untrained_restorer, restorer_aux_losses,
                            precision)
