"""tools/train.py and tools/test.py run for real on the tiny toy data."""
import importlib.util
import json
import os.path as osp
import sys

import cv2
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from tiny_config import REPO, run_tool, write_tiny_config

from mofme_mm.registry import DATASETS, MODELS
from mofme_mm.utils.checkpoint_compat import load_checkpoint_file
from mofme_mm.visualization.comparison import title_height

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


def _logged_losses(work_dir, key='loss_l1'):
    """The training ``key`` values written by mmengine's LocalVisBackend."""
    [scalars] = work_dir.glob('*/vis_data/scalars.json')
    with open(scalars) as f:
        records = [json.loads(line) for line in f]
    return [r[key] for r in records if key in r]


def _val_mse(config, state_dict):
    """Mean squared error of the restored val images of ``config``."""
    cfg = Config.fromfile(config)
    init_default_scope('mofme_mm')
    model = MODELS.build(cfg.model)
    model.load_state_dict(state_dict)
    model.eval()
    dataset = DATASETS.build(cfg.val_dataloader.dataset)
    errors = []
    with torch.no_grad():
        for index in range(len(dataset)):
            item = dataset[index]
            data = model.data_preprocessor(dict(
                inputs=[item['inputs']], data_samples=[item['data_samples']]))
            [out] = model(**data, mode='predict')
            errors.append(float((out.pred_img.data - out.gt_img.data).pow(
                2).mean()))
    return sum(errors) / len(errors)


def test_train_writes_checkpoints_and_learns(trained):
    work_dir = trained['work_dir']
    assert osp.isfile(work_dir / 'epoch_1.pth')
    assert osp.isfile(work_dir / 'epoch_2.pth')
    first = load_weights(work_dir / 'epoch_1.pth')
    second = load_weights(work_dir / 'epoch_2.pth')
    changed = [k for k in first if not torch.equal(first[k], second[k])]
    assert any(k.startswith('network.') for k in changed)
    # learning, not just moving: the task (L1) loss of the last logged window
    # (mean of up to 10 iterations) is below the first iteration's ...
    losses = _logged_losses(work_dir)
    assert len(losses) >= 10, losses
    assert losses[-1] < 0.9 * losses[0], losses
    # ... and the second epoch (full learning rate after the warm-up epoch)
    # restores the val images better than the first
    errors = [_val_mse(trained['config'], state) for state in (first, second)]
    assert errors[1] < 0.98 * errors[0], errors


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
    # input | restored | ground truth, 4-pixel gaps, under a title bar
    assert cv2.imread(str(panels[0])).shape == (title_height(64) + 64,
                                                3 * 128 + 2 * 4, 3)
    # the numbers say how they were computed (RestorationMetric's protocol)
    [protocol] = [line for line in result.stdout.splitlines()
                  if line.startswith('metric protocol: ')]
    assert metrics['protocol'] == protocol[len('metric protocol: '):]
    assert 'SSIM' in metrics['protocol']


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


def save_model_weights(config, path, **network_changes):
    """Weights of the config's model with some network fields changed."""
    from mmengine.config import Config

    from mofme_mm.registry import MODELS
    cfg = Config.fromfile(config)
    cfg.model.network.update(network_changes.pop('network', {}))
    cfg.model.network.ffn_cfg.update(network_changes)
    model = MODELS.build(cfg.model)
    torch.save(dict(state_dict=model.state_dict()), path)
    return str(path)


# the tiny config: 16-d tokens, 4 experts, 2 heads of 8 dims
@pytest.mark.parametrize('changes,named', [
    (dict(num_experts=8), 'network.blocks.0.ffn.router.proj.weight (8, 16) '
     'in the checkpoint vs (4, 16) in the model'),
    (dict(network=dict(num_heads=3)), 'attn.qkv.weight (72, 16) in the '
     'checkpoint vs (48, 16) in the model'),
])
def test_test_tool_refuses_weights_of_another_architecture(
        trained, tmp_path, monkeypatch, changes, named):
    from mofme_mm.models.utils import WeightLoadingError
    ckpt = save_model_weights(trained['config'], tmp_path / 'other.pth',
                              **changes)
    with pytest.raises(WeightLoadingError) as info:
        run_main_in_process('test', [trained['config'], ckpt, '--work-dir',
                                     str(tmp_path)], monkeypatch)
    assert named in str(info.value)
    assert '--non-strict' in str(info.value)


def test_test_tool_refuses_a_checkpoint_without_matching_keys(
        trained, tmp_path, monkeypatch):
    from mofme_mm.models.utils import WeightLoadingError
    ckpt = tmp_path / 'linear.pth'
    torch.save(dict(state_dict=torch.nn.Linear(2, 2).state_dict()), ckpt)
    with pytest.raises(WeightLoadingError,
                       match='None of the 2 checkpoint keys is a key'):
        run_main_in_process('test', [trained['config'], str(ckpt),
                                     '--work-dir', str(tmp_path)],
                            monkeypatch)


def test_non_strict_is_the_explicit_opt_out(trained, tmp_path, monkeypatch,
                                            capsys):
    ckpt = load_checkpoint_file(str(trained['work_dir'] / 'epoch_2.pth'))
    ckpt['state_dict']['an.extra.key'] = torch.zeros(1)
    path = tmp_path / 'extra.pth'
    torch.save(ckpt, path)
    run_main_in_process('test', [trained['config'], str(path), '--work-dir',
                                 str(tmp_path), '--non-strict'], monkeypatch)
    out = capsys.readouterr().out
    assert 'an.extra.key' in out  # named in the warning...
    assert any(line.split()[:1] == ['rain'] for line in out.splitlines())


@pytest.mark.parametrize('content,kind', [(b'', 'empty (0 bytes)'),
                                          (b'\x89PNG\r\n\x1a\n' + bytes(8),
                                           'PNG image')])
def test_test_tool_names_a_file_that_is_not_a_checkpoint(
        trained, tmp_path, monkeypatch, content, kind):
    import pickle
    path = tmp_path / 'weights.pth'
    path.write_bytes(content)
    with pytest.raises(pickle.UnpicklingError) as info:
        run_main_in_process('test', [trained['config'], str(path),
                                     '--work-dir', str(tmp_path)],
                            monkeypatch)
    message = str(info.value)
    assert message.startswith(f'"{path}" is not a checkpoint: it is ')
    assert kind in message and '\n' not in message


def test_non_numeric_config_value_names_the_field(trained, tmp_path,
                                                   monkeypatch):
    # an undotted option reaches model.network.ffn_cfg.top_k
    with pytest.raises(ValueError, match='ffn_cfg.top_k must be an integer'):
        run_main_in_process('test', [
            trained['config'], str(trained['work_dir'] / 'epoch_2.pth'),
            '--work-dir', str(tmp_path), '--cfg-options', 'top_k=two'
        ], monkeypatch)


def test_data_root_option_points_every_dataset_elsewhere(tmp_path,
                                                         monkeypatch):
    with pytest.raises(FileNotFoundError) as info:
        run_main_in_process('train', [
            'configs/toy/mofme_raincityscapes_toy.py', '--work-dir',
            str(tmp_path), '--cfg-options', 'data_root=no/such/root'
        ], monkeypatch)
    message = str(info.value)
    roots = [line for line in message.splitlines() if ' = ' in line]
    # train (rain + fog) and val (rain + fog): every one moved
    assert len(roots) == 4
    assert all(line.endswith("= 'no/such/root'") for line in roots)
    assert 'docs/datasets.md' in message


def test_an_option_that_reaches_nothing_is_an_error(tmp_path, monkeypatch):
    with pytest.raises(KeyError, match='close names: data_root'):
        run_main_in_process('train', [
            'configs/toy/mofme_raincityscapes_toy.py', '--work-dir',
            str(tmp_path), '--cfg-options', 'data_rot=x'
        ], monkeypatch)


def test_uri_data_roots_are_left_to_the_file_backends(tmp_path):
    """An ``s3://`` / ``petrel://`` data_root is read through mmengine.fileio
    backends: not reported missing (a local one still is)."""
    from mofme_mm.engine.runner_setup import missing_data_roots
    cfg = Config(dict(
        train_dataloader=dict(dataset=dict(data_root='s3://bucket/cityscapes')),
        val_dataloader=dict(dataset=dict(datasets=[
            dict(data_root='petrel://cluster/cityscapes'),
            dict(data_root=str(tmp_path / 'missing'))]))))
    assert missing_data_roots(cfg) == [
        ('val_dataloader.dataset.datasets.1.data_root',
         str(tmp_path / 'missing'))]
