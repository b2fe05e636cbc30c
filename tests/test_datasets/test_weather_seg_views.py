import os
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest
from mmcv.transforms import LoadImageFromFile
from mmseg.datasets.transforms import LoadAnnotations, PackSegInputs

from mofme_mm.datasets import FoggyCityscapesSegDataset, RainCityscapesSegDataset
from mofme_mm.registry import DATASETS


def _pipeline():
    return [LoadImageFromFile(), LoadAnnotations(),
            PackSegInputs(meta_keys=('img_path', 'seg_map_path', 'ori_shape',
                                     'img_shape', 'weather'))]


def test_rain_view_loads_labels_and_keeps_weather(toy_cityscapes_root):
    ds = RainCityscapesSegDataset(data_root=toy_cityscapes_root, split='val',
                                  params=[(0.01, 0.005, 0.01)],
                                  pipeline=_pipeline())
    assert len(ds) == 4
    assert ds.metainfo['classes'][13] == 'car'
    sample = ds[0]['data_samples']
    assert sample.weather == 'rain'
    label = sample.gt_sem_seg.data.numpy()[0]
    expected = cv2.imread(ds.get_data_info(0)['seg_map_path'],
                          cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(label, expected)
    assert label.shape == (64, 128)
    assert set(np.unique(label)) <= set(range(19))
    assert 0 in label  # the road is in every scene
    info = ds.get_data_info(0)
    assert info['alpha'] == 0.01 and info['gt_path'].endswith(
        '_leftImg8bit.png')


def test_fog_view_from_config(toy_cityscapes_root):
    ds = DATASETS.build(dict(type='FoggyCityscapesSegDataset',
                             data_root=toy_cityscapes_root, split='train',
                             betas=[0.02], test_mode=True))
    assert isinstance(ds, FoggyCityscapesSegDataset)
    assert len(ds) == 4
    assert {ds.get_data_info(i)['weather'] for i in range(4)} == {'fog'}


def test_seg_view_errors(toy_cityscapes_root, tmp_path):
    with pytest.raises(FileNotFoundError, match='make_toy_cityscapes'):
        RainCityscapesSegDataset(data_root=str(tmp_path / 'none'))
    root = str(tmp_path / 'copy')
    shutil.copytree(toy_cityscapes_root, root)
    os.remove(osp.join(root, 'gtFine/val/lindau/'
                       'lindau_000000_000019_gtFine_labelTrainIds.png'))
    with pytest.raises(FileNotFoundError, match='2 of 4 inputs'):
        FoggyCityscapesSegDataset(data_root=root, split='val')
