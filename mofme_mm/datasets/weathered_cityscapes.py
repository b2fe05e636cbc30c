"""Shared base of the weathered Cityscapes datasets (rain, fog)."""
import os.path as osp
from typing import Optional, Sequence

from .base_paired_dataset import BasePairedDataset
from .cityscapes_naming import CLEAN_SUFFIX, LABEL_SUFFIX


class WeatheredCityscapesDataset(BasePairedDataset):
    """Weathered Cityscapes frames paired with their clean ``leftImg8bit``
    frame and, optionally, their ``gtFine`` label.

    Subclasses find the weathered images (``parse_samples``) and call
    :meth:`add_pairs` on each sample.

    Args:
        split (str): ``'train'`` or ``'val'``.
        default_prefix (dict): standard folders of ``split`` (keys
            ``img_path``, ``gt_path``, ``seg_map_path``).
        with_seg_map (bool): add (and check) the gtFine label.
        weather (str): weather of every sample.
        data_prefix (dict | None): folders relative to ``data_root``; None
            uses ``default_prefix``.
        **kwargs: :class:`BasePairedDataset` arguments.
    """

    def __init__(self, split: str, default_prefix: dict, with_seg_map: bool,
                 weather: str, data_prefix: Optional[dict] = None,
                 **kwargs) -> None:
        self.split = split
        self.with_seg_map = with_seg_map
        if data_prefix is None:
            data_prefix = default_prefix
            if not with_seg_map:
                data_prefix.pop('seg_map_path')
        super().__init__(weather=weather, data_prefix=data_prefix, **kwargs)

    @property
    def pair_keys(self) -> Sequence[str]:
        return ('gt_path', 'seg_map_path') if self.with_seg_map else (
            'gt_path', )

    def required_dirs(self) -> dict:
        return dict(inputs=self.data_prefix['img_path'])

    def add_pairs(self, info: dict) -> dict:
        """Add the clean frame (and label) paths of a weathered sample."""
        city, frame_id = info['city'], info['frame_id']
        info['gt_path'] = osp.join(self.data_prefix['gt_path'], city,
                                   frame_id + CLEAN_SUFFIX)
        if self.with_seg_map:
            info['seg_map_path'] = osp.join(self.data_prefix['seg_map_path'],
                                            city, frame_id + LABEL_SUFFIX)
            info.update(reduce_zero_label=False, seg_fields=[], label_map=None)
        return info
