"""Foggy Cityscapes (Sakaridis et al.), "HazeCityscapes" in the paper."""
import os.path as osp
from typing import List, Optional, Sequence

from mofme_mm.registry import DATASETS

from .cityscapes_naming import (
    CLEAN_DIR,
    FOG_DIR,
    LABEL_DIR,
    read_refined_list,
    scan_fog_images,
)
from .pair_checks import SYNTH_HINT, TOY_HINT
from .weathered_cityscapes import WeatheredCityscapesDataset


def fog_prefix(split: str) -> dict:
    """Default folders of a Foggy Cityscapes split."""
    return dict(img_path=f'{FOG_DIR}/{split}',
                gt_path=f'{CLEAN_DIR}/{split}',
                seg_map_path=f'{LABEL_DIR}/{split}')


def refined_filter(samples: List[dict], data_root: str, refined_list: str,
                   split: str,
                   backend_args: Optional[dict] = None) -> List[dict]:
    """Keep the samples whose frame is in the refined list of ``split``.

    ``refined_list`` is relative to ``data_root`` unless it is absolute or a
    URI (``s3://...``).
    """
    absolute = osp.isabs(refined_list) or '://' in refined_list
    path = refined_list if absolute or not data_root else osp.join(
        data_root, refined_list)
    keep = read_refined_list(path, backend_args).get(split, set())
    return [s for s in samples if s['frame_id'] in keep]


@DATASETS.register_module()
class FoggyCityscapesDataset(WeatheredCityscapesDataset):
    """Foggy Cityscapes frames with their clean frame and gtFine label.

    Layout (``data_root``)::

        leftImg8bit_foggy/{split}/{city}/{frame}_leftImg8bit_foggy_beta_{beta}.png
        leftImg8bit/{split}/{city}/{frame}_leftImg8bit.png        (gt)
        gtFine/{split}/{city}/{frame}_gtFine_labelTrainIds.png    (label)
        foggy_trainval_refined_filenames.txt                      (optional)

    Each sample: ``img_path``, ``gt_path``, ``seg_map_path`` (when
    ``with_seg_map``), ``weather``, ``frame_id``, ``city``, ``beta``, plus
    mmseg's ``reduce_zero_label``, ``seg_fields`` and ``label_map``.

    Args:
        split (str): ``'train'``, ``'val'`` or ``'test'``. Defaults to
            ``'train'``.
        betas (Sequence[float] | None): betas to keep (0.005, 0.01, 0.02);
            None keeps all.
        refined_list (str | None): the refined-list file (relative to
            ``data_root`` or absolute), e.g.
            ``'foggy_trainval_refined_filenames.txt'``, to keep only its
            frames; None keeps all.
        with_seg_map (bool): add (and check) the gtFine label. Defaults to
            True.
        weather (str): weather of every sample. Defaults to ``'fog'``.
        data_prefix (dict | None): folders relative to ``data_root`` with
            keys ``img_path``, ``gt_path``, ``seg_map_path``; None uses the
            standard folders of ``split``.
        **kwargs: :class:`BasePairedDataset` arguments.
    """  # noqa: E501

    data_hint = TOY_HINT + SYNTH_HINT

    def __init__(self, split: str = 'train',
                 betas: Optional[Sequence[float]] = None,
                 refined_list: Optional[str] = None,
                 with_seg_map: bool = True, weather: str = 'fog',
                 data_prefix: Optional[dict] = None, **kwargs) -> None:
        self.betas = list(betas) if betas is not None else None
        self.refined_list = refined_list
        super().__init__(split, fog_prefix(split), with_seg_map, weather,
                         data_prefix=data_prefix, **kwargs)

    def describe_filters(self) -> str:
        return f' with betas={self.betas}, refined_list={self.refined_list}'

    def parse_samples(self) -> List[dict]:
        samples = scan_fog_images(self.data_prefix['img_path'], self.betas,
                                  self.backend_args)
        if self.refined_list:
            samples = refined_filter(samples, self.data_root,
                                     self.refined_list, self.split,
                                     self.backend_args)
        return [self.add_pairs(info) for info in samples]
