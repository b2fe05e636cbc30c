"""tools/train.py and tools/test.py run for real on the tiny toy data."""
import importlib.util
import json
import os.path as osp
import sys

import cv2
import pytest
import torch
from tiny_config import REPO, run_tool, write_tiny_config

from mofme_mm.utils.checkpoint_compat import load_checkpoint_file

HERE = osp.dirname(osp.abspath(__file__))


def load_weights(path):
    return load_checkpoint_file(str(path), map_location='cpu')['state_dict']


def run_main_in_process(tool, argv, monkeypatch):
    """Run ``tools/<tool>.py`` main() here (for errors raised before any
    training starts, which need no fresh process)."""
    spec = importlib.util.spec_from_file_location(
        f'{tool}_tool', osp.join(REPO, 'tools', f'{tool}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(sys, 'argv', [f'{tool}.py', *argv])
    monkeypatch.chdir(REPO)
    module.main()


@pytest.fixture(scope='module')
def trained(tmp_path_factory, toy_cityscapes_root):
    """An uninterrupted 2-epoch run (seed 0) of the tiny toy config."""
    tmp = tmp_path_factory.mktemp('train')
    config = write_tiny_config(tmp / 'tiny.py', toy_cityscapes_root)
    work_dir = tmp / 'work'
    result = run_tool(['tools/train.py', config, '--work-dir', str(work_dir)])
    assert result.returncode == 0, result.stderr[-3000:]
    return dict(config=config, work_dir=work_dir, tmp=tmp,
                root=toy_cityscapes_root)


def test_train_writes_checkpoints_and_learns(trained):
    work_dir = trained['work_dir']
    assert osp.isfile(work_dir / 'epoch_1.pth')
    assert osp.isfile(work_dir / 'epoch_2.pth')
    first = load_weights(work_dir / 'epoch_1.pth')
    second = load_weights(work_dir / 'epoch_2.pth')
    changed = [k for k in first if not torch.equal(first[k], second[k])]
    assert any(k.startswith('network.') for k in changed)


def test_test_tool_prints_per_weather_metrics_and_saves(trained):
    out_dir = trained['tmp'] / 'out'
    show_dir = trained['tmp'] / 'show'
    result = run_tool([
        'tools/test.py', trained['config'],
        str(trained['work_dir'] / 'epoch_2.pth'), '--work-dir',
        str(trained['tmp'] / 'test_work'), '--out', str(out_dir),
        '--show-dir', str(show_dir)
    ])
    assert result.returncode == 0, result.stderr[-3000:]
    rows = {line.split()[0]: line.split()[1:]
            for line in result.stdout.splitlines() if line.strip()}
    assert rows['weather'] == ['PSNR', 'SSIM', 'input_PSNR', 'input_SSIM']
    for weather in ('rain', 'fog'):
        assert len(rows[weather]) == 4
        assert all(float(v) > 0 for v in rows[weather])
    metrics = json.load(open(out_dir / 'metrics.json'))
    for key in ('rain/PSNR', 'rain/input_PSNR', 'fog/SSIM', 'fog/input_SSIM'):
        assert key in metrics
    assert float(rows['rain'][0]) == pytest.approx(metrics['rain/PSNR'],
                                                   abs=1e-3)
    # 2 val frames x (4 rain + 2 fog) images, each 128 x 64
    restored = sorted(out_dir.glob('*/*.png'))
    panels = sorted(show_dir.glob('*/*.png'))
    assert len(restored) == 12 and len(panels) == 12
    assert {p.parent.name for p in panels} == {'rain', 'fog'}
    assert cv2.imread(str(restored[0])).shape == (64, 128, 3)
    assert cv2.imread(str(panels[0])).shape == (64, 3 * 128 + 2 * 4, 3)


@pytest.mark.slow
def test_resume_after_kill_matches_uninterrupted_run(trained):
    tmp = trained['tmp']
    work_dir = tmp / 'killed'
    killer = write_tiny_config(
        tmp / 'tiny_killed.py', trained['root'],
        extra="custom_imports = dict(imports=['kill_hook'])\n"
        "custom_hooks = [dict(type='EpochSeedHook'),\n"
        "                dict(type='KillAtIterHook', iteration=8)]")
    env = dict(PYTHONPATH=f'{REPO}:{HERE}')
    killed = run_tool(['tools/train.py', killer, '--work-dir', str(work_dir)],
                      env_extra=env)
    assert killed.returncode == -9  # SIGKILL in epoch 2 (6 iterations each)
    assert osp.isfile(work_dir / 'epoch_1.pth')
    assert not osp.isfile(work_dir / 'epoch_2.pth')

    resumed = run_tool([
        'tools/train.py', trained['config'], '--work-dir',
        str(work_dir), '--resume'
    ])
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    log = resumed.stdout + resumed.stderr
    assert 'resumed epoch: 1' in log
    ours = load_weights(work_dir / 'epoch_2.pth')
    reference = load_weights(trained['work_dir'] / 'epoch_2.pth')
    assert ours.keys() == reference.keys()
    for key in reference:
        torch.testing.assert_close(ours[key], reference[key], rtol=0, atol=0,
                                   msg=key)


def test_missing_data_root_says_how_to_fix(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError) as info:
        run_main_in_process('train', [
            'configs/mofme_raincityscapes.py', '--work-dir', str(tmp_path),
            '--cfg-options',
            'train_dataloader.dataset.datasets.0.data_root=no/such/dir'
        ], monkeypatch)
    message = str(info.value)
    assert ("train_dataloader.dataset.datasets.0.data_root = 'no/such/dir'"
            in message)
    assert '--cfg-options' in message
    assert 'make_toy_cityscapes.py' in message


def test_bad_config_value_names_the_field(trained, tmp_path, monkeypatch):
    with pytest.raises(ValueError, match='model.test_cfg.tile_overlap'):
        run_main_in_process('test', [
            trained['config'],
            str(trained['work_dir'] / 'epoch_2.pth'), '--work-dir',
            str(tmp_path), '--cfg-options', 'model.test_cfg.tile_overlap=-3'
        ], monkeypatch)
