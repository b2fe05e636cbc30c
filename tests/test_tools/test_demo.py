"""tools/demo.py's pieces: the COCO jsons of the toy tree and the tables."""
import importlib.util
import json
import os.path as osp
import shutil

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.fixture(scope='module')
def demo():
    spec = importlib.util.spec_from_file_location(
        'demo_tool', osp.join(REPO, 'tools', 'demo.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_coco_annotations_from_mmdet_converter(demo, toy_cityscapes_root,
                                               tmp_path):
    root = str(tmp_path / 'toy')
    shutil.copytree(toy_cityscapes_root, root)
    demo.ensure_coco_annotations(root)
    val = osp.join(root, 'annotations',
                   'instancesonly_filtered_gtFine_val.json')
    with open(val) as f:
        coco = json.load(f)
    # the 2 clean val frames with their instances, as mmdet's converter
    # writes them; no temporary folder is left behind
    assert len(coco['images']) == 2 and coco['annotations']
    assert sorted(p.name for p in (tmp_path / 'toy').iterdir()
                  if p.name.startswith('annotations')) == ['annotations']
    stamp = osp.getmtime(val)
    demo.ensure_coco_annotations(root)  # present: not made again
    assert osp.getmtime(val) == stamp


def test_incomplete_annotations_folder_is_not_overwritten(
        demo, toy_cityscapes_root, tmp_path):
    root = tmp_path / 'toy'
    shutil.copytree(toy_cityscapes_root, root)
    (root / 'annotations').mkdir()
    (root / 'annotations' / 'mine.json').write_text('{}')
    with pytest.raises(FileExistsError, match='annotations'):
        demo.ensure_coco_annotations(str(root))
    assert (root / 'annotations' / 'mine.json').read_text() == '{}'


def _det(value, weathers=('rain', 'fog')):
    out = {}
    for prefix in ('', *[f'{w}/' for w in weathers]):
        for kind in ('bbox', 'segm'):
            out[f'{prefix}{kind}_mAP'] = value
            out[f'{prefix}{kind}_mAP_50'] = 2 * value
    return out


def test_rows_and_tables(demo):
    seg = {'mIoU': 30.0, 'mAcc': 40.0}
    seg_w = {f'{w}/{m}': v for w in ('rain', 'fog')
             for m, v in (('mIoU', 10.0), ('mAcc', 20.0))}
    quality = {f'{w}/{p}{m}': v for w in ('rain', 'fog')
               for p, m, v in (('', 'PSNR', 22.0), ('', 'SSIM', 0.8),
                               ('input_', 'PSNR', 17.0),
                               ('input_', 'SSIM', 0.7))}
    # the restored frames got no detection at all: mmdet reports nothing
    rows = demo.build_rows(seg, seg_w, seg_w, quality, _det(0.25),
                           _det(0.125), {}, ['bbox', 'segm'])
    clean, weathered, restored = rows
    assert clean['rain/bbox_mAP'] == clean['fog/bbox_mAP'] == 25.0
    assert clean['rain/segm_mAP_50'] == 50.0 and 'rain/PSNR' not in clean
    assert weathered['fog/bbox_mAP'] == 12.5
    assert weathered['rain/PSNR'] == 17.0 and restored['rain/PSNR'] == 22.0
    assert restored['rain/bbox_mAP'] == restored['fog/segm_mAP_50'] == 0.0
    assert weathered['rain/mIoU'] == 10.0 and clean['fog/mIoU'] == 30.0
    table = demo.format_table(rows, ['bbox_mAP', 'segm_mAP_50'])
    lines = table.splitlines()
    assert lines[0] == ('| test images | derain bbox mAP | derain segm AP50 '
                        '| dehaze bbox mAP | dehaze segm AP50 |')
    assert lines[3] == '| (b) weathered | 12.50 | 25.00 | 12.50 | 25.00 |'
    assert lines[4] == '| (c) MoFME-restored | 0.00 | 0.00 | 0.00 | 0.00 |'
    # a score missing where the others of its group exist is a bug
    broken = _det(0.25)
    del broken['rain/bbox_mAP']
    with pytest.raises(KeyError):
        demo.build_rows(seg, seg_w, seg_w, quality, broken, broken, broken,
                        ['bbox'])


def test_figure_grid_and_saving(demo, tmp_path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = demo.figure_grid(plt, ['fog', 'rain'], ['a', 'b', 'c'],
                                 1.0, 0.5)
    # one row per weather, titled once, labelled per row, no ticks
    assert axes.shape == (2, 3)
    assert [ax.get_title() for ax in axes[0]] == ['a', 'b', 'c']
    assert [ax.get_title() for ax in axes[1]] == ['', '', '']
    assert [row[0].get_ylabel() for row in axes] == ['fog', 'rain']
    assert not any(len(ax.get_xticks()) for ax in axes.flat)
    assert tuple(fig.get_size_inches()) == (3.0, 1.0)
    path = str(tmp_path / 'figure.png')
    assert demo.finish_figure(plt, fig, path) == path
    assert osp.getsize(path) > 0 and not plt.get_fignums()
