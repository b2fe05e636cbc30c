import os
import os.path as osp
import shutil

import pytest
import torch

from mofme_mm.datasets import RainCityscapesDataset
from mofme_mm.registry import DATASETS


def test_parses_toy_layout_with_real_names(toy_cityscapes_root):
    ds = RainCityscapesDataset(data_root=toy_cityscapes_root, split='train')
    assert len(ds) == 16  # 4 frames x 2 triples x 2 patterns
    info = ds.get_data_info(0)
    assert info['weather'] == 'rain'
    name = osp.basename(info['img_path'])
    frame = info['frame_id']
    assert name == (f'{frame}_leftImg8bit_rain_alpha_{info["alpha"]:g}_beta_'
                    f'{info["beta"]:g}_dropsize_{info["dropsize"]:g}_pattern_'
                    f'{info["pattern"]}.png')
    assert info['gt_path'] == osp.join(toy_cityscapes_root, 'leftImg8bit',
                                       'train', info['city'],
                                       f'{frame}_leftImg8bit.png')
    assert info['seg_map_path'].endswith(
        f'gtFine/train/{info["city"]}/{frame}_gtFine_labelTrainIds.png')
    assert info['reduce_zero_label'] is False and info['seg_fields'] == []


def test_filters_by_triple_and_pattern(toy_cityscapes_root):
    ds = DATASETS.build(dict(type='RainCityscapesDataset',
                             data_root=toy_cityscapes_root, split='val',
                             params=[(0.02, 0.01, 0.005)], patterns=[1]))
    assert len(ds) == 2
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    assert {(i['alpha'], i['beta'], i['dropsize'], i['pattern'])
            for i in infos} == {(0.02, 0.01, 0.005, 1)}
    assert {i['city'] for i in infos} == {'lindau'}


def test_weather_is_settable_and_seg_map_optional(toy_cityscapes_root):
    ds = RainCityscapesDataset(data_root=toy_cityscapes_root, split='val',
                               weather='custom', with_seg_map=False)
    info = ds.get_data_info(0)
    assert info['weather'] == 'custom'
    assert 'seg_map_path' not in info


def test_missing_root_names_root_and_toy_cli(tmp_path):
    missing = str(tmp_path / 'nowhere')
    with pytest.raises(FileNotFoundError) as err:
        RainCityscapesDataset(data_root=missing)
    assert missing in str(err.value)
    assert 'make_toy_cityscapes.py' in str(err.value)


def test_empty_split_is_an_error(toy_cityscapes_root):
    with pytest.raises(ValueError, match='no samples'):
        RainCityscapesDataset(data_root=toy_cityscapes_root,
                              params=[(0.5, 0.5, 0.5)])


def test_missing_pairs_are_counted_and_listed(toy_cityscapes_root, tmp_path):
    root = str(tmp_path / 'copy')
    shutil.copytree(toy_cityscapes_root, root)
    os.remove(osp.join(root, 'leftImg8bit/val/lindau/'
                       'lindau_000000_000019_leftImg8bit.png'))
    os.remove(osp.join(root, 'gtFine/val/lindau/'
                       'lindau_000001_000019_gtFine_labelTrainIds.png'))
    with pytest.raises(FileNotFoundError) as err:
        RainCityscapesDataset(data_root=root, split='val')
    msg = str(err.value)
    assert root in msg
    assert '8 of 8 inputs' in msg  # 4 rainy versions of each of 2 frames
    assert 'lindau_000000_000019_leftImg8bit.png' in msg
    assert msg.count(' -> missing ') == 5
    # Without labels only the 4 versions of the frame without gt are missing.
    with pytest.raises(FileNotFoundError, match='4 of 8 inputs'):
        RainCityscapesDataset(data_root=root, split='val', with_seg_map=False)


def test_full_training_pipeline(toy_cityscapes_root):
    import numpy as np
    from mmengine.registry import init_default_scope
    init_default_scope('mofme_mm')
    np.random.seed(0)
    ds = RainCityscapesDataset(
        data_root=toy_cityscapes_root, split='train', patterns=[2],
        pipeline=[
            dict(type='LoadInputImageFromFile'),
            dict(type='LoadGTImageFromFile'),
            dict(type='mmseg.LoadAnnotations'),
            dict(type='PairedRandomCrop', crop_size=(32, 48)),
            dict(type='PairedRandomFlip', prob=0.5),
            dict(type='PackRestorationInputs'),
        ])
    out = ds[3]
    inputs, sample = out['inputs'], out['data_samples']
    assert inputs.shape == (3, 32, 48) and inputs.dtype == torch.uint8
    assert sample.gt_img.data.shape == (3, 32, 48)
    assert sample.gt_sem_seg.data.shape == (1, 32, 48)
    assert sample.weather == 'rain' and sample.pattern == 2
    assert sample.img_path == ds.get_data_info(3)['img_path']
    # Rain changes the frame, but the pair is aligned: close on average.
    diff = (inputs.float() - sample.gt_img.data.float()).abs().mean()
    shuffled = (inputs.float() - sample.gt_img.data.float().flip(-1)).abs()
    assert 0 < diff < shuffled.mean()
