"""Foggy Cityscapes as an mmdet detection / instance segmentation dataset."""
from typing import List, Optional, Sequence

from mmdet.datasets import CityscapesDataset

from mofme_mm.registry import DATASETS

from .cityscapes_naming import CLEAN_DIR, COCO_ANN_FILE, FOG_DIR, scan_fog_images
from .foggy_cityscapes import refined_filter
from .pair_checks import SYNTH_HINT, TOY_HINT
from .weather_det_views import build_det_samples, check_det_inputs


@DATASETS.register_module()
class FoggyCityscapesDetDataset(CityscapesDataset):
    """Foggy Cityscapes images with the instances of their clean frame.

    One sample per foggy image (one per beta and clean frame), each with the
    clean frame's boxes and masks from the COCO json that mmdet's
    ``tools/dataset_converters/cityscapes.py`` writes for the clean frames,
    and a unique ``img_id``. Layout (``data_root``)::

        leftImg8bit_foggy/{split}/{city}/{frame}_leftImg8bit_foggy_beta_{beta}.png
        leftImg8bit/{split}/{city}/{frame}_leftImg8bit.png       (gt_path)
        annotations/instancesonly_filtered_gtFine_{split}.json  (ann_file)
        foggy_trainval_refined_filenames.txt                     (optional)

    Every sample keeps ``weather`` (and ``beta``, ``frame_id``, ``city``,
    ``clean_img_id``, ``gt_path``); add ``'weather'`` and ``'instances'`` to
    ``PackDetInputs(meta_keys=...)`` for :class:`PerWeatherCocoMetric`.

    Args:
        split (str): ``'train'``, ``'val'`` or ``'test'``. Defaults to
            ``'train'``.
        betas (Sequence[float] | None): betas to keep; None keeps all.
        refined_list (str | None): refined-list file relative to
            ``data_root`` (or absolute); None keeps all frames.
        weather (str): weather of every sample. Defaults to ``'fog'``.
        ann_file (str | None): COCO json of the clean frames, relative to
            ``data_root``; None uses ``split``'s converter output.
        data_prefix (dict | None): ``img`` (foggy images) and ``gt`` (clean
            frames) relative to ``data_root`` (``seg`` as in mmdet); None
            uses ``split``'s folders.
        **kwargs: :class:`mmdet.datasets.CityscapesDataset` arguments
            (``data_root``, ``pipeline``, ``filter_cfg``, ``test_mode``,
            ``backend_args``...).
    """  # noqa: E501

    data_hint = TOY_HINT + SYNTH_HINT

    def __init__(self, split: str = 'train',
                 betas: Optional[Sequence[float]] = None,
                 refined_list: Optional[str] = None, weather: str = 'fog',
                 ann_file: Optional[str] = None,
                 data_prefix: Optional[dict] = None, **kwargs) -> None:
        self.split = split
        self.betas = list(betas) if betas is not None else None
        self.refined_list = refined_list
        self.weather = weather
        super().__init__(
            ann_file=ann_file or COCO_ANN_FILE.format(split=split),
            data_prefix=data_prefix or dict(img=f'{FOG_DIR}/{split}',
                                            gt=f'{CLEAN_DIR}/{split}'),
            **kwargs)

    def load_data_list(self) -> List[dict]:
        """Clean frames from the json, then one sample per foggy image."""
        check_det_inputs(self)
        clean = super().load_data_list()
        found = scan_fog_images(self.data_prefix['img'], self.betas,
                                self.backend_args)
        if self.refined_list:
            found = refined_filter(found, self.data_root, self.refined_list,
                                   self.split, self.backend_args)
        return build_det_samples(
            self, clean, found,
            f' with betas={self.betas}, refined_list={self.refined_list}')
