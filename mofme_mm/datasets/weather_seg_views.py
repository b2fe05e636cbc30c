"""Shared parsing of the weather segmentation views (mmseg datasets)."""
import os.path as osp
from typing import List

from .cityscapes_naming import CLEAN_SUFFIX
from .pair_checks import check_dirs, check_not_empty, check_pairs


def build_seg_samples(dataset, found: List[dict], filters: str) -> List[dict]:
    """Turn scanned weather images into mmseg samples and check them.

    Args:
        dataset (BaseSegDataset): the view (gives ``data_prefix``,
            ``seg_map_suffix``, ``label_map``, ``reduce_zero_label``,
            ``weather``, ``data_root``).
        found (list[dict]): output of ``scan_rain_images`` /
            ``scan_fog_images``.
        filters (str): description of the filters, for the empty message.

    Returns:
        list[dict]: samples with ``img_path``, ``seg_map_path``, ``gt_path``
        (the clean frame, not checked), ``weather``, the weather parameters
        and mmseg's ``label_map``, ``reduce_zero_label``, ``seg_fields``.
    """
    name = type(dataset).__name__
    img_dir = dataset.data_prefix['img_path']
    ann_dir = dataset.data_prefix['seg_map_path']
    gt_dir = dataset.data_prefix.get('gt_path')
    samples = []
    for info in found:
        city, frame_id = info['city'], info['frame_id']
        info.update(
            seg_map_path=osp.join(ann_dir, city,
                                  frame_id + dataset.seg_map_suffix),
            weather=dataset.weather, label_map=dataset.label_map,
            reduce_zero_label=dataset.reduce_zero_label, seg_fields=[])
        if gt_dir:
            info['gt_path'] = osp.join(gt_dir, city, frame_id + CLEAN_SUFFIX)
        samples.append(info)
    check_not_empty(name, dataset.data_root, samples, img_dir, filters)
    check_pairs(name, dataset.data_root, samples, ('seg_map_path', ),
                backend_args=dataset.backend_args)
    return samples


def check_seg_dirs(dataset) -> None:
    """Raise a clear error when the view's root or folders are missing."""
    check_dirs(type(dataset).__name__, dataset.data_root,
               dict(inputs=dataset.data_prefix['img_path'],
                    labels=dataset.data_prefix['seg_map_path']),
               dataset.data_hint, dataset.backend_args)
