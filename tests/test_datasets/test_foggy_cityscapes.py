import os.path as osp

import pytest

from mofme_mm.datasets import FoggyCityscapesDataset


def test_parses_toy_layout_and_filters_beta(toy_cityscapes_root):
    ds = FoggyCityscapesDataset(data_root=toy_cityscapes_root, split='train')
    assert len(ds) == 8  # 4 frames x 2 betas
    ds = FoggyCityscapesDataset(data_root=toy_cityscapes_root, split='train',
                                betas=[0.01])
    assert len(ds) == 4
    info = ds.get_data_info(0)
    assert info['weather'] == 'fog' and info['beta'] == 0.01
    assert osp.basename(info['img_path']) == (
        f'{info["frame_id"]}_leftImg8bit_foggy_beta_0.01.png')
    assert osp.isfile(info['gt_path']) and osp.isfile(info['seg_map_path'])


def test_refined_list_keeps_only_listed_frames(toy_cityscapes_root):
    listed = set()
    with open(osp.join(toy_cityscapes_root,
                       'foggy_trainval_refined_filenames.txt')) as f:
        for line in f:
            split, _, frame = line.strip().split('/')
            if split == 'train':
                listed.add(frame)
    ds = FoggyCityscapesDataset(
        data_root=toy_cityscapes_root, split='train',
        refined_list='foggy_trainval_refined_filenames.txt')
    frames = {ds.get_data_info(i)['frame_id'] for i in range(len(ds))}
    assert frames == listed and 0 < len(frames) < 4
    assert len(ds) == 2 * len(frames)


def test_missing_refined_list_is_named(toy_cityscapes_root):
    with pytest.raises(FileNotFoundError, match='nope.txt'):
        FoggyCityscapesDataset(data_root=toy_cityscapes_root,
                               refined_list='nope.txt')


def test_missing_split_folder_is_named(toy_cityscapes_root):
    with pytest.raises(FileNotFoundError, match='leftImg8bit_foggy/test'):
        FoggyCityscapesDataset(data_root=toy_cityscapes_root, split='test')
