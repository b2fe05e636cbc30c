import os.path as osp

import numpy as np
import pytest
from mmcv.transforms import LoadImageFromFile
from mmdet.datasets import CityscapesDataset
from mmdet.datasets.transforms import LoadAnnotations, PackDetInputs
from mmdet.registry import DATASETS as MMDET_DATASETS
from mmengine.registry import DefaultScope

from mofme_mm.datasets.cityscapes_naming import RAIN_PARAMS
from mofme_mm.datasets.raincityscapes_det import RainCityscapesDetDataset


def _ann(coco_dir, split):
    return osp.join(coco_dir, f'instancesonly_filtered_gtFine_{split}.json')


def _clean(root, coco_dir, split):
    """mmdet's own dataset of the clean frames, by frame id."""
    ds = CityscapesDataset(data_root=root, ann_file=_ann(coco_dir, split),
                           data_prefix=dict(img=f'leftImg8bit/{split}'),
                           test_mode=True)
    return {osp.basename(ds.get_data_info(i)['img_path'])[
        :-len('_leftImg8bit.png')]: ds.get_data_info(i)
        for i in range(len(ds))}


def test_one_sample_per_rainy_image_with_clean_instances(
        toy_cityscapes_root, toy_coco_dir):
    ds = RainCityscapesDetDataset(data_root=toy_cityscapes_root,
                                  split='train',
                                  ann_file=_ann(toy_coco_dir, 'train'),
                                  test_mode=True)
    clean = _clean(toy_cityscapes_root, toy_coco_dir, 'train')
    # 4 frames x 2 parameter triples x 2 patterns, as on disk.
    assert len(ds) == 16 and len(clean) == 4
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    assert len({i['img_id'] for i in infos}) == 16
    assert len({i['img_path'] for i in infos}) == 16
    for info in infos:
        assert osp.isfile(info['img_path'])
        assert '_leftImg8bit_rain_alpha_' in info['img_path']
        frame = clean[info['frame_id']]
        assert info['instances'] == frame['instances']
        assert info['clean_img_id'] == frame['img_id']
        assert (info['height'], info['width']) == (64, 128)
        assert info['gt_path'] == frame['img_path']
        assert info['weather'] == 'rain' and info['pattern'] in (1, 2)
    per_frame = {}
    for info in infos:
        per_frame.setdefault(info['frame_id'], set()).add(
            (info['alpha'], info['beta'], info['dropsize'], info['pattern']))
    assert all(len(v) == 4 for v in per_frame.values())
    assert sum(len(i['instances']) for i in infos) > 0


def test_filters_and_mmdet_filter_data(toy_cityscapes_root, toy_coco_dir):
    kwargs = dict(data_root=toy_cityscapes_root, split='train',
                  ann_file=_ann(toy_coco_dir, 'train'))
    ds = RainCityscapesDetDataset(params=[RAIN_PARAMS[1]], patterns=[2],
                                  test_mode=True, **kwargs)
    assert len(ds) == 4
    assert {ds.get_data_info(i)['alpha'] for i in range(4)} == {0.02}
    # mmdet's filter_data (training) keeps the images with instances.
    everything = RainCityscapesDetDataset(test_mode=True, **kwargs)
    with_gt = [i for i in range(len(everything))
               if any(not a['ignore_flag']
                      for a in everything.get_data_info(i)['instances'])]
    filtered = RainCityscapesDetDataset(
        filter_cfg=dict(filter_empty_gt=True, min_size=32), **kwargs)
    assert len(filtered) == len(with_gt) > 0
    assert [filtered.get_data_info(i)['img_path']
            for i in range(len(filtered))] == [
                everything.get_data_info(i)['img_path'] for i in with_gt]


def test_built_by_mmdet_registry_and_pipeline(toy_cityscapes_root,
                                              toy_coco_dir):
    cfg = dict(
        type='mofme_mm.RainCityscapesDetDataset',
        data_root=toy_cityscapes_root, split='val',
        ann_file=_ann(toy_coco_dir, 'val'), test_mode=True,
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
            dict(type='PackDetInputs',
                 meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                            'weather', 'instances'))
        ])
    with DefaultScope.overwrite_default_scope('mmdet'):  # as in an mmdet run
        ds = MMDET_DATASETS.build(cfg)
    assert isinstance(ds, RainCityscapesDetDataset)
    index = next(i for i in range(len(ds))
                 if ds.get_data_info(i)['instances'])
    out = ds[index]
    sample = out['data_samples']
    info = ds.get_data_info(index)
    assert out['inputs'].shape == (3, 64, 128)
    assert sample.weather == 'rain' and sample.instances == info['instances']
    boxes = np.array([a['bbox'] for a in info['instances']], np.float32)
    np.testing.assert_allclose(sample.gt_instances.bboxes.numpy(), boxes)
    assert sample.gt_instances.masks.masks.shape == (len(boxes), 64, 128)
    # The same pipeline classes, without the registry, read the same image.
    direct = RainCityscapesDetDataset(
        data_root=toy_cityscapes_root, split='val',
        ann_file=_ann(toy_coco_dir, 'val'), test_mode=True,
        pipeline=[LoadImageFromFile(), LoadAnnotations(),
                  PackDetInputs()])
    np.testing.assert_array_equal(direct[index]['inputs'].numpy(),
                                  out['inputs'].numpy())


def test_errors_name_what_is_missing(toy_cityscapes_root, toy_coco_dir,
                                     tmp_path):
    with pytest.raises(FileNotFoundError, match='cityscapes.py'):
        RainCityscapesDetDataset(data_root=toy_cityscapes_root, split='val',
                                 ann_file=str(tmp_path / 'none.json'))
    with pytest.raises(FileNotFoundError, match='make_toy_cityscapes'):
        RainCityscapesDetDataset(data_root=str(tmp_path / 'none'))
    # The val json has no train frames: every rainy train image is named.
    with pytest.raises(FileNotFoundError,
                       match='16 of 16 weathered images have no clean frame'):
        RainCityscapesDetDataset(data_root=toy_cityscapes_root, split='train',
                                 ann_file=_ann(toy_coco_dir, 'val'))
    with pytest.raises(ValueError, match='no samples'):
        RainCityscapesDetDataset(data_root=toy_cityscapes_root, split='val',
                                 ann_file=_ann(toy_coco_dir, 'val'),
                                 patterns=[7])
