"""Data sample carried through the restoration pipeline."""
from mmengine.structures import BaseDataElement, PixelData


class RestorationDataSample(BaseDataElement):
    """One paired restoration sample.

    Images are ``PixelData`` whose ``data`` is a ``(3, H, W)`` tensor. After
    the restoration data preprocessor they are RGB floats in ``[0, 1]``.

    Fields:
        gt_img (PixelData): the clean ground truth.
        input_img (PixelData): the weathered input (set in predict mode, for
            the identity baseline of the metrics).
        pred_img (PixelData): the restored image (set in predict mode).

    Metainfo keys written by the datasets and the pack transform:
    ``img_path``, ``gt_path``, ``weather`` (``'rain'``, ``'fog'``, ``'snow'``,
    ``'raindrop'`` or ``'clean'``), ``ori_shape``, ``img_shape`` and any
    dataset-specific parameters (``alpha``, ``beta``, ``dropsize``...).
    """

    def _pixel_property(name: str):  # noqa: N805  (class-body helper)

        def getter(self) -> PixelData:
            return getattr(self, f'_{name}')

        def setter(self, value: PixelData) -> None:
            self.set_field(value, f'_{name}', dtype=PixelData)

        def deleter(self) -> None:
            del self[f'_{name}']

        return property(getter, setter, deleter)

    gt_img = _pixel_property('gt_img')
    input_img = _pixel_property('input_img')
    pred_img = _pixel_property('pred_img')
    del _pixel_property
