"""Foggy Cityscapes as an mmdet detection / instance segmentation dataset."""
from typing import List, Optional, Sequence, Tuple

from mofme_mm.registry import DATASETS

from .cityscapes_naming import FOG_DIR, scan_fog_images
from .foggy_cityscapes import refined_filter
from .weathered_cityscapes_det import WeatheredCityscapesDetDataset


@DATASETS.register_module()
class FoggyCityscapesDetDataset(WeatheredCityscapesDetDataset):
    """Foggy Cityscapes images with the instances of their clean frame.

    One sample per foggy image (one per beta and clean frame), each with the
    clean frame's boxes and masks from the COCO json of the clean frames
    (mmdet's converter output), and a unique ``img_id``. Layout
    (``data_root``)::

        leftImg8bit_foggy/{split}/{city}/{frame}_leftImg8bit_foggy_beta_{beta}.png
        leftImg8bit/{split}/{city}/{frame}_leftImg8bit.png       (gt_path)
        annotations/instancesonly_filtered_gtFine_{split}.json  (ann_file)
        foggy_trainval_refined_filenames.txt                     (optional)

    Every sample keeps ``weather`` (and ``beta``, ``frame_id``, ``city``,
    ``clean_img_id``, ``gt_path``), for :class:`PerWeatherCocoMetric` with
    ``'weather'`` and ``'instances'`` in ``PackDetInputs(meta_keys=...)``.

    Args:
        split (str): ``'train'``, ``'val'`` or ``'test'``. Defaults to
            ``'train'``.
        betas (Sequence[float] | None): betas to keep; None keeps all.
        refined_list (str | None): refined-list file relative to
            ``data_root`` (or absolute); None keeps all frames.
        weather (str): weather of every sample. Defaults to ``'fog'``.
        **kwargs: ``ann_file``, ``data_prefix`` (``img``: the foggy images)
            and the rest, as :class:`WeatheredCityscapesDetDataset` takes
            them.
    """  # noqa: E501

    weather_dir = FOG_DIR

    def __init__(self, split: str = 'train',
                 betas: Optional[Sequence[float]] = None,
                 refined_list: Optional[str] = None, weather: str = 'fog',
                 **kwargs) -> None:
        self.betas = list(betas) if betas is not None else None
        self.refined_list = refined_list
        super().__init__(split, weather, **kwargs)

    def find_weathered(self) -> Tuple[List[dict], str]:
        """The foggy images with the kept betas (and refined frames)."""
        found = scan_fog_images(self.data_prefix['img'], self.betas,
                                self.backend_args)
        if self.refined_list:
            found = refined_filter(found, self.data_root, self.refined_list,
                                   self.split, self.backend_args)
        return found, (f' with betas={self.betas}, '
                       f'refined_list={self.refined_list}')
