import os.path as osp

from mmdet.datasets import CityscapesDataset

from mofme_mm.datasets.foggy_cityscapes_det import FoggyCityscapesDetDataset
from mofme_mm.registry import DATASETS


def _ann(coco_dir, split):
    return osp.join(coco_dir, f'instancesonly_filtered_gtFine_{split}.json')


def test_one_sample_per_foggy_image_with_clean_instances(
        toy_cityscapes_root, toy_coco_dir):
    ds = DATASETS.build(dict(type='FoggyCityscapesDetDataset',
                             data_root=toy_cityscapes_root, split='val',
                             ann_file=_ann(toy_coco_dir, 'val'),
                             test_mode=True))
    assert isinstance(ds, FoggyCityscapesDetDataset)
    clean = CityscapesDataset(data_root=toy_cityscapes_root,
                              ann_file=_ann(toy_coco_dir, 'val'),
                              data_prefix=dict(img='leftImg8bit/val'),
                              test_mode=True)
    by_id = {clean.get_data_info(i)['img_id']: clean.get_data_info(i)
             for i in range(len(clean))}
    # 2 val frames x 2 betas.
    assert len(ds) == 4 and len(by_id) == 2
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    assert sorted(i['img_id'] for i in infos) == [0, 1, 2, 3]
    assert sorted((i['frame_id'], i['beta']) for i in infos) == [
        (f, b) for f in ('lindau_000000_000019', 'lindau_000001_000019')
        for b in (0.01, 0.02)]
    for info in infos:
        frame = by_id[info['clean_img_id']]
        assert osp.basename(frame['img_path']).startswith(info['frame_id'])
        assert info['instances'] == frame['instances']
        assert info['weather'] == 'fog'
        assert info['img_path'].endswith(
            f'_leftImg8bit_foggy_beta_{info["beta"]:g}.png')


def test_betas_and_refined_list(toy_cityscapes_root, toy_coco_dir):
    ds = FoggyCityscapesDetDataset(
        data_root=toy_cityscapes_root, split='train', betas=[0.02],
        refined_list='foggy_trainval_refined_filenames.txt',
        ann_file=_ann(toy_coco_dir, 'train'), test_mode=True)
    # The toy refined list names every other frame: 2 of the 4 train ones.
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    assert len(infos) == 2
    assert {i['beta'] for i in infos} == {0.02}
    with open(osp.join(toy_cityscapes_root,
                       'foggy_trainval_refined_filenames.txt')) as f:
        refined = {line.strip().split('/')[-1] for line in f}
    assert {i['frame_id'] for i in infos} <= refined
