"""mmdet data preprocessor that deweathers the batch before normalising."""
from mmdet.models.data_preprocessors import DetDataPreprocessor

from mofme_mm.registry import MODELS

from .deweather_mixin import DeweatherPreprocessorMixin


@MODELS.register_module()
class DeweatherDetDataPreprocessor(DeweatherPreprocessorMixin,
                                   DetDataPreprocessor):
    """``DetDataPreprocessor`` with a deweathering restorer in front.

    The raw batch (pixel values in ``[0, 255]``) is handed to the restorer's
    ``restore()`` as RGB in ``[0, 1]`` (tiled per the restorer's
    ``test_cfg``), turned back into ``[0, 255]`` pixels in the original
    channel order, and then processed by ``DetDataPreprocessor`` as usual
    (channel conversion, mean/std normalisation, padding, batch shapes). So
    the detector sees ``(restore(x) * 255 - mean) / std`` and swapping
    ``data_preprocessor`` is all an mmdet config needs.

    Args:
        restorer (str | dict | nn.Module): Restorer config file, model dict
            or module; this and the other restorer arguments
            (``restorer_checkpoint``, ``trainable``, ``input_channel_order``,
            ``untrained_restorer``, ``restorer_aux_losses``, ``precision``)
            as :class:`DeweatherPreprocessorMixin` describes them.
        **kwargs: The restorer arguments above, then those of
            ``DetDataPreprocessor`` (mean, std, bgr_to_rgb,
            pad_size_divisor, pad_mask, batch_augments, ...).
    """
