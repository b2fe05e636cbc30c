"""Datasets read through mmengine.fileio: the toy trees on a non-local
(``memory://``) storage backend load exactly like the local ones."""
import pytest
import torch

from mofme_mm.registry import DATASETS

PAIRED_PIPELINE = [
    dict(type='LoadInputImageFromFile'),
    dict(type='LoadGTImageFromFile'),
    dict(type='PackRestorationInputs'),
]


def _both(cfg, memory_root, local_root):
    remote = DATASETS.build(dict(cfg, data_root=memory_root))
    local = DATASETS.build(dict(cfg, data_root=local_root))
    return remote, local


def _rebased(info, memory_root='', local_root=''):
    """``info`` without ``sample_idx``, ``memory_root`` -> ``local_root``."""
    return {key: value.replace(memory_root, local_root)
            if isinstance(value, str) and memory_root else value
            for key, value in info.items() if key != 'sample_idx'}


def test_raincityscapes_and_a_pipeline_sample_through_the_backend(
        memory_storage, toy_cityscapes_root):
    root = memory_storage['cityscapes']
    reads = memory_storage['backend'].reads
    remote, local = _both(
        dict(type='RainCityscapesDataset', split='val',
             pipeline=PAIRED_PIPELINE), root, toy_cityscapes_root)
    assert len(remote) == len(local) == 8  # 2 frames x 2 triples x 2 patterns
    for index in range(len(remote)):
        info = remote.get_data_info(index)
        assert info['img_path'].startswith(
            f'{root}/leftImg8bit_rain/val/lindau/')
        assert _rebased(info, root, toy_cityscapes_root) == _rebased(
            local.get_data_info(index))
    del reads[:]
    sample, expected = remote[3], local[3]
    info = remote.get_data_info(3)
    assert info['img_path'] in reads and info['gt_path'] in reads
    assert torch.equal(sample['inputs'], expected['inputs'])
    assert torch.equal(sample['data_samples'].gt_img.data,
                       expected['data_samples'].gt_img.data)
    assert sample['data_samples'].img_path == info['img_path']


def test_foggy_refined_list_and_multi_weather_through_the_backend(
        memory_storage, toy_cityscapes_root):
    root = memory_storage['cityscapes']
    cfg = dict(type='MultiWeatherDataset', datasets=[
        dict(type='FoggyCityscapesDataset', split='train', betas=[0.02],
             refined_list='foggy_trainval_refined_filenames.txt',
             data_root=root),
        dict(type='RainCityscapesDataset', split='train', patterns=[2],
             data_root=root)])
    remote = DATASETS.build(cfg)
    for part in cfg['datasets']:
        part['data_root'] = toy_cityscapes_root
    local = DATASETS.build(cfg)
    assert len(remote) == len(local) == 2 + 8
    assert [remote.get_data_info(i)['img_path'].replace(
        root, toy_cityscapes_root) for i in range(len(remote))] == [
            local.get_data_info(i)['img_path'] for i in range(len(local))]
    assert f'{root}/foggy_trainval_refined_filenames.txt' in (
        memory_storage['backend'].reads)


def test_allweather_list_through_the_backend(memory_storage,
                                             toy_allweather_root):
    root = memory_storage['allweather']
    remote, local = _both(
        dict(type='AllWeatherDataset', ann_file='allweather.txt',
             pipeline=PAIRED_PIPELINE), root, toy_allweather_root)
    assert len(remote) == len(local) == 4
    info = remote.get_data_info(0)
    # './allweather/input/x' is normalised without breaking the URI
    assert info['img_path'] == f'{root}/allweather/input/im_0001_s80_a04.png'
    assert info['gt_path'] == f'{root}/allweather/gt/im_0001_s80_a04.png'
    assert torch.equal(remote[1]['inputs'], local[1]['inputs'])


def test_mmseg_view_through_the_backend(memory_storage, toy_cityscapes_root):
    root = memory_storage['cityscapes']
    pipeline = [dict(type='mmseg.LoadImageFromFile'),
                dict(type='mmseg.LoadAnnotations'),
                dict(type='mmseg.PackSegInputs')]
    remote, local = _both(
        dict(type='RainCityscapesSegDataset', split='val', patterns=[1],
             pipeline=pipeline), root, toy_cityscapes_root)
    assert len(remote) == len(local) == 4
    assert remote.get_data_info(0)['seg_map_path'].startswith(
        f'{root}/gtFine/val/lindau/')
    assert torch.equal(remote[0]['data_samples'].gt_sem_seg.data,
                       local[0]['data_samples'].gt_sem_seg.data)


def test_missing_remote_folders_and_pairs_are_named(memory_storage):
    root = memory_storage['cityscapes']
    with pytest.raises(FileNotFoundError, match='memory://nowhere'):
        DATASETS.build(dict(type='RainCityscapesDataset',
                            data_root='memory://nowhere'))
    files = memory_storage['backend'].files
    gt = f'{root}/leftImg8bit/val/lindau/lindau_000001_000019_leftImg8bit.png'
    saved = files.pop(gt)
    try:
        with pytest.raises(FileNotFoundError, match='lindau_000001_000019'):
            DATASETS.build(dict(type='FoggyCityscapesDataset', split='val',
                                data_root=root))
    finally:
        files[gt] = saved
