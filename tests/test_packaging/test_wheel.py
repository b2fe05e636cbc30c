"""The wheel works outside the checkout, as an OpenMMLab package does.

A wheel is built from a copy of the source tree (``pip wheel --no-deps
--no-build-isolation``; the checkout itself is not written), then checked:
it ships the configs, tools and model index in ``mofme_mm/.mim`` and
declares the mm stack with ranges. The slow test installs it (not editable)
into a fresh virtual environment that shares the installed mm stack but not
the checkout, and from a temporary directory: names a restorer with
``mofme_mm::``, builds a user's mmseg config with it, restores an image
through ``mofme_mm.apis`` and runs ``mim test mofme_mm`` on a toy config.
"""
import json
import os
import os.path as osp
import shutil
import subprocess
import sys
import sysconfig
import zipfile

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SHIPPED = (
    'mofme_mm/.mim/model-index.yml',
    'mofme_mm/.mim/configs/mofme_raincityscapes.py',
    'mofme_mm/.mim/configs/toy/mofme_toy_demo_restorer.py',
    'mofme_mm/.mim/configs/toy/mofme_raincityscapes_toy.py',
    'mofme_mm/.mim/configs/downstream/faster-rcnn_r50_fpn_mofme_1x_cityscapes.py',
    'mofme_mm/.mim/configs/downstream/_base_/weather_cityscapes_det.py',
    'mofme_mm/.mim/configs/_base_/datasets/toy_cityscapes.py',
    'mofme_mm/.mim/tools/train.py',
    'mofme_mm/.mim/tools/test.py',
    'mofme_mm/.mim/tools/misc/print_config.py',
    'mofme_mm/.mim/tools/slurm_test.sh',
    'mofme_mm/.mim/tools/slurm_run.sh',
    'mofme_mm/utils/package_configs.py',
)


def run(command, cwd, timeout=300, env=None):
    env = dict(os.environ if env is None else env, OMP_NUM_THREADS='1',
               MKL_NUM_THREADS='1')
    env.pop('PYTHONPATH', None)  # nothing of the checkout leaks in
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True,
                            text=True, timeout=timeout)
    assert result.returncode == 0, (
        f'{command}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}')
    return result


def source_files():
    """The checkout's files as a clone would have them (tracked and
    untracked, without what .gitignore excludes)."""
    listed = subprocess.run(
        ['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'],
        cwd=REPO, capture_output=True, check=True).stdout.decode()
    return [name for name in listed.split('\0')
            if name and osp.isfile(osp.join(REPO, name))]


@pytest.fixture(scope='module')
def wheel(tmp_path_factory):
    """A wheel built from a copy of the checkout."""
    tmp = tmp_path_factory.mktemp('wheel')
    src = tmp / 'src'
    for name in source_files():
        os.makedirs(src / osp.dirname(name), exist_ok=True)
        shutil.copy2(osp.join(REPO, name), src / name)
    out = tmp / 'dist'
    run([sys.executable, '-m', 'pip', 'wheel', '--no-deps',
         '--no-build-isolation', '--no-cache-dir', '-w', str(out), '.'],
        cwd=src)
    [path] = out.glob('mofme_mm-*.whl')
    return path


def test_wheel_ships_configs_tools_and_ranges(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        [metadata] = [n for n in names if n.endswith('.dist-info/METADATA')]
        meta = archive.read(metadata).decode()
    missing = [name for name in SHIPPED if name not in names]
    assert not missing, missing
    # every config of the checkout is shipped, nothing of tests/ or caches
    configs = {n for n in source_files()
               if n.startswith('configs/') and n.endswith('.py')}
    assert {f'mofme_mm/.mim/{n}' for n in configs} <= names
    assert not any(n.startswith('tests/') or '__pycache__' in n
                   or n.endswith('.pyc') for n in names)
    # the mm stack with the ranges of mofme_mm/version.py; mmseg / mmdet
    # as extras only
    from mofme_mm.version import MMCV_RANGE, MMDET_RANGE, MMENGINE_RANGE, MMSEG_RANGE
    requires = [line[len('Requires-Dist: '):] for line in meta.splitlines()
                if line.startswith('Requires-Dist: ')]
    for name, (low, high) in (('mmengine', MMENGINE_RANGE),
                              ('mmcv', MMCV_RANGE)):
        [req] = [r for r in requires if r.split('<')[0].split('>')[0] == name]
        assert req.replace(' ', '') in (f'{name}<{high},>={low}',
                                        f'{name}>={low},<{high}'), req
    extras = [r for r in requires if 'extra ==' in r]
    assert any(r.startswith('mmsegmentation') and MMSEG_RANGE[0] in r
               and '"seg"' in r for r in extras), extras
    assert any(r.startswith('mmdet') and MMDET_RANGE[0] in r
               and '"det"' in r for r in extras), extras
    assert not any(r.startswith(('mmsegmentation', 'mmdet'))
                   for r in requires if 'extra ==' not in r)


USER_SCRIPT = r'''
import json, sys
import numpy as np
import mofme_mm
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mofme_mm.apis import init_restorer, restore_images
from mofme_mm.utils.package_configs import resolve_config

# a user's own mmseg config: the restorer named from the package
cfg = Config.fromfile('user_seg_config.py')
init_default_scope('mmseg')
from mmseg.registry import MODELS
segmentor = MODELS.build(cfg.model)
restorer = init_restorer('mofme_mm::toy/mofme_toy_demo_restorer.py',
                         device='cpu')
image = (np.random.default_rng(0).random((40, 72, 3)) * 255).astype(np.uint8)
[restored] = restore_images(restorer, [image])
print('REPORT' + json.dumps(dict(
    package=mofme_mm.__file__,
    config=resolve_config('mofme_mm::toy/mofme_toy_demo_restorer.py'),
    preprocessor=type(segmentor.data_preprocessor).__name__,
    shape=list(restored.shape), dtype=str(restored.dtype))))
'''

USER_SEG_CONFIG = '''
custom_imports = dict(imports=['mofme_mm'], allow_failed_imports=False)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=dict(
        type='mofme_mm.DeweatherSegDataPreProcessor',
        restorer='mofme_mm::toy/mofme_toy_demo_restorer.py',
        untrained_restorer=True,
        mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True, size=(64, 64)),
    backbone=dict(type='ResNetV1c', depth=18, stem_channels=16,
                  base_channels=16, out_indices=(3, )),
    decode_head=dict(type='FCNHead', in_channels=128, channels=8,
                     num_convs=1, num_classes=19, in_index=0,
                     loss_decode=dict(type='CrossEntropyLoss')))
'''

# a toy restoration config of the package, shrunk, on the given data
MIM_TEST_CONFIG = '''
_base_ = ['mofme_mm::toy/mofme_raincityscapes_toy.py']
data_root = {root!r}
val_dataloader = dict(dataset=dict(datasets=[
    dict(d, data_root=data_root)
    for d in _base_.val_dataloader.dataset.datasets]))
test_dataloader = val_dataloader
model = dict(
    network=dict(embed_dims=16, num_heads=2, head_dims=8, mlp_ratio=2,
                 patch_size=4, head_channels=8, tail_channels=8),
    test_cfg=dict(tile_size=32))
'''


def fresh_venv(path, wheel):
    """A virtual environment with the wheel installed (not editable) that
    sees this environment's site-packages (the mm stack) through a .pth
    file; the editable install of the checkout is not picked up (the .pth
    files of a directory named in a .pth file are not processed)."""
    run([sys.executable, '-m', 'venv', '--without-pip', str(path)],
        cwd=str(path.parent))
    python = str(path / 'bin' / 'python')
    site = run([python, '-c', 'import sysconfig; '
                'print(sysconfig.get_paths()["purelib"])'],
               cwd=str(path.parent)).stdout.strip()
    with open(osp.join(site, 'shared_mm_stack.pth'), 'w') as f:
        f.write(sysconfig.get_paths()['purelib'] + '\n')
    run([sys.executable, '-m', 'pip', '--python', python, 'install',
         '--no-deps', '--no-index', '--no-cache-dir', str(wheel)],
        cwd=str(path.parent))
    return python, site


@pytest.mark.slow
def test_installed_wheel_works_outside_the_checkout(wheel, tmp_path,
                                                    toy_cityscapes_root):
    python, site = fresh_venv(tmp_path / 'venv', wheel)
    work = tmp_path / 'user'
    work.mkdir()
    (work / 'user_seg_config.py').write_text(USER_SEG_CONFIG)
    (work / 'user.py').write_text(USER_SCRIPT)
    result = run([python, 'user.py'], cwd=str(work))
    [line] = [x for x in result.stdout.splitlines() if x.startswith('REPORT')]
    report = json.loads(line[len('REPORT'):])
    # the installed copy, not the checkout
    assert report['package'].startswith(site), report
    assert report['config'] == osp.join(
        site, 'mofme_mm', '.mim', 'configs', 'toy',
        'mofme_toy_demo_restorer.py')
    assert not osp.islink(osp.dirname(report['config']))
    assert report['preprocessor'] == 'DeweatherSegDataPreProcessor'
    assert report['shape'] == [40, 72, 3] and report['dtype'] == 'uint8'

    # mim test mofme_mm: the shipped tools/test.py, a config whose base is
    # a shipped config, a checkpoint of its model
    config = work / 'tiny_restorer.py'
    config.write_text(MIM_TEST_CONFIG.format(root=toy_cityscapes_root))
    checkpoint = work / 'tiny.pth'
    run([python, '-c', 'import sys, torch, mofme_mm\n'
         'from mmengine.config import Config\n'
         'from mofme_mm.models.utils import build_restorer\n'
         'model = build_restorer(Config.fromfile(sys.argv[1]).model)\n'
         'torch.save(dict(state_dict=model.state_dict()), sys.argv[2])\n',
         str(config), str(checkpoint)], cwd=str(work))
    mim = [python, '-c', 'import sys; from mim.cli import cli; '
           'sys.exit(cli())']
    tested = run(mim + ['test', 'mofme_mm', str(config), '--checkpoint',
                        str(checkpoint), '--work-dir', str(work / 'test')],
                 cwd=str(work), timeout=400)
    text = tested.stdout + tested.stderr
    assert osp.join(site, 'mofme_mm', '.mim', 'tools', 'test.py') in text \
        or 'metric protocol:' in text, text[-3000:]
    rows = {line.split()[0]: line.split()[1:]
            for line in tested.stdout.splitlines() if line.strip()}
    assert rows.get('weather') == ['PSNR', 'SSIM', 'input_PSNR',
                                   'input_SSIM'], tested.stdout[-3000:]
    assert len(rows['rain']) == 4 and len(rows['fog']) == 4

    # mim run: a tool of the package by its name
    printed = run(mim + ['run', 'mofme_mm', 'print_config', str(config)],
                  cwd=str(work))
    assert 'MoFMEViT' in printed.stdout
