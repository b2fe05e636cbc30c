"""Shared parsing of the weather detection views (mmdet datasets).

A weathered detection sample is a RainCityscapes / Foggy Cityscapes image
with the instances of its clean Cityscapes frame, read from the COCO json
that mmdet's own converter writes for the clean frames
(``annotations/instancesonly_filtered_gtFine_{split}.json``).
"""
import copy
import os.path as osp
from collections import defaultdict
from typing import List

from mmengine import fileio

from .cityscapes_naming import CLEAN_SUFFIX
from .pair_checks import check_dirs, check_not_empty


def mmdet_cityscapes_converter() -> str:
    """Path of mmdet's installed ``tools/dataset_converters/cityscapes.py``.

    Returns:
        str: the script (shipped inside the mmdet package, ``mmdet/.mim``).
    """
    import mmdet
    return osp.join(osp.dirname(mmdet.__file__), '.mim', 'tools',
                    'dataset_converters', 'cityscapes.py')


def convert_hint(data_root: str) -> str:
    """How to make the clean frames' COCO jsons from the instance gt."""
    root = data_root or 'CITYSCAPES_ROOT'
    return (
        'Make it from the Cityscapes instance ground truth (gtFine '
        '*_instanceIds.png and *_labelIds.png; the toy generator writes them '
        f'too) with mmdet\'s converter: `python {mmdet_cityscapes_converter()}'
        f' {root} -o {osp.join(root, "annotations")}` (needs '
        'cityscapesscripts and pycocotools, installed by `make install`).')


def check_det_inputs(dataset) -> None:
    """Raise a clear error when the root, image folder or json is missing.

    Args:
        dataset (CocoDataset): the view (gives ``data_root``,
            ``data_prefix['img']``, ``ann_file``, ``backend_args`` and
            ``data_hint``).
    """
    name = type(dataset).__name__
    check_dirs(name, dataset.data_root,
               dict(inputs=dataset.data_prefix['img']), dataset.data_hint,
               dataset.backend_args)
    if not fileio.exists(dataset.ann_file, backend_args=dataset.backend_args):
        raise FileNotFoundError(
            f'{name}: annotation file {dataset.ann_file!r} (the COCO json of '
            f'the clean frames) does not exist. '
            f'{convert_hint(dataset.data_root)}')


def build_det_samples(dataset, clean_list: List[dict], found: List[dict],
                      filters: str, max_show: int = 5) -> List[dict]:
    """One sample per weathered image, with its clean frame's instances.

    Args:
        dataset (CocoDataset): the view (gives ``weather``, ``ann_file``,
            ``data_prefix``, ``data_root``; its ``cat_img_map`` is rewritten
            for the new image ids, so mmdet's ``filter_data`` works).
        clean_list (list[dict]): the clean frames as mmdet's
            ``CocoDataset.load_data_list`` parses them.
        found (list[dict]): output of ``scan_rain_images`` /
            ``scan_fog_images``.
        filters (str): description of the filters, for the empty message.
        max_show (int): how many images without a clean frame to list.

    Returns:
        list[dict]: mmdet samples: the clean frame's ``instances``,
        ``height``, ``width`` (and ``seg_map_path``), the weathered
        ``img_path``, a unique ``img_id`` (0, 1, ... in file order; several
        weathered images share one clean frame), ``clean_img_id``,
        ``gt_path`` (the clean image), ``weather``, ``frame_id``, ``city``
        and the weather parameters.
    """
    name = type(dataset).__name__
    by_frame = {}
    for info in clean_list:
        base = osp.basename(info['img_path'])
        if not base.endswith(CLEAN_SUFFIX):
            raise ValueError(
                f'{name}: image {base!r} in {dataset.ann_file!r} is not a '
                f'Cityscapes *{CLEAN_SUFFIX} frame; the json must be the '
                'output of mmdet\'s Cityscapes converter.')
        by_frame[base[:-len(CLEAN_SUFFIX)]] = info
    gt_dir = dataset.data_prefix.get('gt')
    samples, orphans = [], []
    for info in found:
        clean = by_frame.get(info['frame_id'])
        if clean is None:
            orphans.append(info['img_path'])
            continue
        sample = copy.deepcopy(clean)
        sample.update(info)
        sample.update(img_id=len(samples), clean_img_id=clean['img_id'],
                      weather=dataset.weather)
        if gt_dir:
            sample['gt_path'] = osp.join(gt_dir, info['city'],
                                         info['frame_id'] + CLEAN_SUFFIX)
        samples.append(sample)
    if orphans:
        shown = '\n'.join(f'  {p}' for p in orphans[:max_show])
        raise FileNotFoundError(
            f'{name} (data_root {dataset.data_root!r}): {len(orphans)} of '
            f'{len(found)} weathered images have no clean frame in '
            f'{dataset.ann_file!r}. First {min(max_show, len(orphans))}:\n'
            f'{shown}\nUse the json of the same split, made from the full '
            f'gtFine of that split. {convert_hint(dataset.data_root)}')
    check_not_empty(name, dataset.data_root, samples,
                    dataset.data_prefix['img'], filters)
    # mmdet's filter_data finds the images of each category by img_id.
    new_ids = defaultdict(list)
    for sample in samples:
        new_ids[sample['clean_img_id']].append(sample['img_id'])
    cat_img_map = defaultdict(list)  # as pycocotools' (absent cat -> [])
    for cat, ids in dataset.cat_img_map.items():
        cat_img_map[cat] = [i for clean_id in ids
                            for i in new_ids.get(clean_id, ())]
    dataset.cat_img_map = cat_img_map
    return samples
