"""RainCityscapes as an mmdet detection / instance segmentation dataset."""
from typing import List, Optional, Sequence

from mmdet.datasets import CityscapesDataset

from mofme_mm.registry import DATASETS

from .cityscapes_naming import CLEAN_DIR, COCO_ANN_FILE, RAIN_DIR, scan_rain_images
from .pair_checks import SYNTH_HINT, TOY_HINT
from .weather_det_views import build_det_samples, check_det_inputs


@DATASETS.register_module()
class RainCityscapesDetDataset(CityscapesDataset):
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
        ann_file (str | None): COCO json of the clean frames, relative to
            ``data_root``; None uses ``split``'s converter output.
        data_prefix (dict | None): ``img`` (rainy images) and ``gt`` (clean
            frames) relative to ``data_root`` (``seg`` as in mmdet); None
            uses ``split``'s folders.
        **kwargs: :class:`mmdet.datasets.CityscapesDataset` arguments
            (``data_root``, ``pipeline``, ``filter_cfg``, ``test_mode``,
            ``backend_args``...).
    """  # noqa: E501

    data_hint = TOY_HINT + SYNTH_HINT

    def __init__(self, split: str = 'train',
                 params: Optional[Sequence[Sequence[float]]] = None,
                 patterns: Optional[Sequence[int]] = None,
                 weather: str = 'rain', ann_file: Optional[str] = None,
                 data_prefix: Optional[dict] = None, **kwargs) -> None:
        self.split = split
        self.params = [tuple(p) for p in params] if params is not None \
            else None
        self.patterns = list(patterns) if patterns is not None else None
        self.weather = weather
        super().__init__(
            ann_file=ann_file or COCO_ANN_FILE.format(split=split),
            data_prefix=data_prefix or dict(img=f'{RAIN_DIR}/{split}',
                                            gt=f'{CLEAN_DIR}/{split}'),
            **kwargs)

    def load_data_list(self) -> List[dict]:
        """Clean frames from the json, then one sample per rainy image."""
        check_det_inputs(self)
        clean = super().load_data_list()
        found = scan_rain_images(self.data_prefix['img'], self.params,
                                 self.patterns, self.backend_args)
        return build_det_samples(
            self, clean, found,
            f' with params={self.params}, patterns={self.patterns}')
