"""Foggy Cityscapes as an mmseg segmentation dataset (foggy image + gtFine)."""
from typing import List, Optional, Sequence

from mmseg.datasets import CityscapesDataset

from mofme_mm.registry import DATASETS

from .cityscapes_naming import scan_fog_images
from .foggy_cityscapes import fog_prefix, refined_filter
from .pair_checks import SYNTH_HINT, TOY_HINT
from .weather_seg_views import build_seg_samples, check_seg_dirs


@DATASETS.register_module()
class FoggyCityscapesSegDataset(CityscapesDataset):
    """Foggy Cityscapes frames with their 19-class gtFine labels, for mmseg.

    Same layout and filters as :class:`FoggyCityscapesDataset`. Every sample
    keeps ``weather`` (and ``beta``, ``frame_id``, ``gt_path``); add
    ``'weather'`` to ``PackSegInputs(meta_keys=...)`` to carry it along.

    Args:
        split (str): ``'train'``, ``'val'`` or ``'test'``. Defaults to
            ``'train'``.
        betas (Sequence[float] | None): betas to keep; None keeps all.
        refined_list (str | None): refined-list file relative to
            ``data_root`` (or absolute); None keeps all frames.
        weather (str): weather of every sample. Defaults to ``'fog'``.
        data_prefix (dict | None): ``img_path``, ``seg_map_path`` (and
            ``gt_path``) relative to ``data_root``; None uses ``split``'s.
        **kwargs: :class:`mmseg.datasets.CityscapesDataset` arguments.
    """

    data_hint = TOY_HINT + SYNTH_HINT

    def __init__(self, split: str = 'train',
                 betas: Optional[Sequence[float]] = None,
                 refined_list: Optional[str] = None, weather: str = 'fog',
                 data_prefix: Optional[dict] = None, **kwargs) -> None:
        self.split = split
        self.betas = list(betas) if betas is not None else None
        self.refined_list = refined_list
        self.weather = weather
        super().__init__(data_prefix=data_prefix or fog_prefix(split),
                         **kwargs)

    def load_data_list(self) -> List[dict]:
        check_seg_dirs(self)
        found = scan_fog_images(self.data_prefix['img_path'], self.betas,
                                self.backend_args)
        if self.refined_list:
            found = refined_filter(found, self.data_root, self.refined_list,
                                   self.split, self.backend_args)
        return build_seg_samples(
            self, found,
            f' with betas={self.betas}, refined_list={self.refined_list}')
