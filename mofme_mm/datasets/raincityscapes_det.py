"""RainCityscapes as an mmdet detection / instance segmentation dataset."""
from typing import List, Optional, Sequence, Tuple

from mofme_mm.registry import DATASETS

from .cityscapes_naming import RAIN_DIR, scan_rain_images
from .weathered_cityscapes_det import WeatheredCityscapesDetDataset


@DATASETS.register_module()
class RainCityscapesDetDataset(WeatheredCityscapesDetDataset):
    """Rainy Cityscapes images with the instances of their clean frame.

    One sample per rainy image (36 per clean frame in the real dataset), each
    with the clean frame's boxes and masks from the COCO json that mmdet's
    ``tools/dataset_converters/cityscapes.py`` writes for the clean frames,
    and a unique ``img_id``. Layout (``data_root``)::

        leftImg8bit_rain/{split}/{city}/{frame}_leftImg8bit_rain_alpha_{a}_beta_{b}_dropsize_{s}_pattern_{p}.png
        leftImg8bit/{split}/{city}/{frame}_leftImg8bit.png       (gt_path)
        annotations/instancesonly_filtered_gtFine_{split}.json  (ann_file)

    Every sample keeps ``weather`` (and ``alpha``, ``beta``, ``dropsize``,
    ``pattern``, ``frame_id``, ``city``, ``clean_img_id``, ``gt_path``);
    add ``'weather'`` and ``'instances'`` to ``PackDetInputs(meta_keys=...)``
    for :class:`PerWeatherCocoMetric`.

    Args:
        split (str): ``'train'`` or ``'val'`` (the RainCityscapes test set).
            Defaults to ``'train'``.
        params (Sequence[tuple] | None): ``(alpha, beta, dropsize)`` triples
            to keep; None keeps all.
        patterns (Sequence[int] | None): patterns to keep; None keeps all.
        weather (str): weather of every sample. Defaults to ``'rain'``.
        **kwargs: ``ann_file``, ``data_prefix`` (``img``: the rainy images)
            and the rest, as :class:`WeatheredCityscapesDetDataset` takes
            them.
    """  # noqa: E501

    weather_dir = RAIN_DIR

    def __init__(self, split: str = 'train',
                 params: Optional[Sequence[Sequence[float]]] = None,
                 patterns: Optional[Sequence[int]] = None,
                 weather: str = 'rain', **kwargs) -> None:
        self.params = [tuple(p) for p in params] if params is not None \
            else None
        self.patterns = list(patterns) if patterns is not None else None
        super().__init__(split, weather, **kwargs)

    def find_weathered(self) -> Tuple[List[dict], str]:
        """The rainy images with the kept parameters and patterns."""
        found = scan_rain_images(self.data_prefix['img'], self.params,
                                 self.patterns, self.backend_args)
        return found, f' with params={self.params}, patterns={self.patterns}'
