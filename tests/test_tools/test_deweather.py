"""tools/deweather.py: restoring, and the guarantees that no data is lost."""
import importlib.util
import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from tiny_config import REPO, write_tiny_config

from mofme_mm.models.backbones import MoFMEViT
from mofme_mm.registry import MODELS

SEG_CONFIG = osp.join(
    REPO, 'configs', 'downstream',
    'deeplabv3plus_r50-d8_mofme_80k_rain-fog-cityscapes-512x1024.py')


def load_deweather_tool():
    spec = importlib.util.spec_from_file_location(
        'deweather_tool', osp.join(REPO, 'tools', 'deweather.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def tiny_model_files(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('deweather')
    config = write_tiny_config(tmp / 'tiny.py', 'unused', patch=8, tile=256)
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mofme_mm'):
        model = MODELS.build(Config.fromfile(config).model)
    checkpoint = tmp / 'tiny.pth'
    torch.save(dict(state_dict=model.state_dict(), meta={}), checkpoint)
    return config, str(checkpoint)


@pytest.fixture
def run(tiny_model_files, capsys):
    """``run(*inputs, out_dir, *flags) -> (exit code, stdout, stderr)``."""
    config, checkpoint = tiny_model_files
    tool = load_deweather_tool()

    def call(*inputs, out_dir, flags=()):
        code = tool.main([*map(str, inputs), '--config', config,
                          '--checkpoint', checkpoint, '--out-dir',
                          str(out_dir), '--device', 'cpu', *flags])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return call


def photo(height, width, seed=0):
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x * 3 % 256, y * 5 % 256, (x + y) * 2 % 256], -1)
    noise = np.random.default_rng(seed).integers(0, 40, base.shape)
    return np.clip(base + noise, 0, 255).astype(np.uint8)


def write_video(path, frames=3, size=(96, 64)):
    codec = 'MJPG' if str(path).endswith('.avi') else 'mp4v'
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*codec), 5,
                             size)
    assert writer.isOpened()
    for index in range(frames):
        writer.write(photo(size[1], size[0], index))
    writer.release()
    return str(path)


def count_frames(path):
    capture = cv2.VideoCapture(str(path))
    frames = 0
    while capture.read()[0]:
        frames += 1
    return frames


def tree(root):
    return sorted(osp.relpath(osp.join(folder, name), root)
                  for folder, _, names in os.walk(root) for name in names)


def test_restores_full_frame_folder_and_video_reporting_bad_files(
        run, tmp_path):
    frame = np.random.default_rng(0).integers(0, 256, (1024, 2048, 3),
                                              dtype=np.uint8)
    cv2.imwrite(str(tmp_path / 'city.png'), frame)
    folder = tmp_path / 'folder'
    folder.mkdir()
    cv2.imwrite(str(folder / 'small.jpg'), frame[:70, :90])
    (folder / 'broken.png').write_bytes(b'not an image')
    video = write_video(tmp_path / 'drive.mp4')
    out_dir = tmp_path / 'out'
    code, out, err = run(tmp_path / 'city.png', folder, video,
                         tmp_path / 'missing.png', out_dir=out_dir)
    assert code == 1
    assert 'broken.png' in err and 'missing.png' in err
    assert 'restored 3 of 5 inputs (1 video(s), 3 frames)' in out
    assert tree(out_dir) == ['city.png', 'drive.mp4', 'folder/small.jpg']
    restored = cv2.imread(str(out_dir / 'city.png'), cv2.IMREAD_UNCHANGED)
    assert restored.shape == (1024, 2048, 3) and restored.dtype == np.uint8
    assert cv2.imread(str(out_dir / 'folder' / 'small.jpg')).shape == (70, 90,
                                                                       3)
    assert count_frames(out_dir / 'drive.mp4') == 3


def test_never_writes_over_inputs(run, tmp_path, monkeypatch):
    frames = tmp_path / 'frames'
    frames.mkdir()
    for index in range(2):
        cv2.imwrite(str(frames / f'{index:04d}.png'), photo(40, 60, index))
    video = write_video(tmp_path / 'drive.mp4', frames=6)
    before = {name: (tmp_path / name).read_bytes()
              for name in tree(tmp_path)}
    monkeypatch.chdir(tmp_path)
    cases = [(['frames'], '.'),  # the folder holding the input folder
             ([frames / '0000.png', frames / '0001.png'], frames),
             ([video], tmp_path)]  # a video into its own folder
    for inputs, out_dir in cases:
        code, out, err = run(*inputs, out_dir=out_dir)
        assert code == 2, (inputs, out, err)
        assert 'would replace their inputs' in err
    assert {name: (tmp_path / name).read_bytes()
            for name in tree(tmp_path)} == before
    assert count_frames(video) == 6


def test_interrupted_video_leaves_no_half_written_file(run, tmp_path,
                                                       monkeypatch):
    video = write_video(tmp_path / 'drive.mp4', frames=4)
    out_dir = tmp_path / 'out'
    out_dir.mkdir()
    (out_dir / 'drive.mp4').write_bytes(b'output of an earlier run')
    forward = MoFMEViT.forward
    calls = []

    def interrupted(self, x):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return forward(self, x)

    monkeypatch.setattr(MoFMEViT, 'forward', interrupted)
    with pytest.raises(KeyboardInterrupt):
        run(video, out_dir=out_dir)
    assert (out_dir / 'drive.mp4').read_bytes() == b'output of an earlier run'
    assert tree(out_dir) == ['drive.mp4']


def test_same_file_names_in_different_folders_all_come_out(run, tmp_path,
                                                           monkeypatch):
    monkeypatch.chdir(tmp_path)
    for index, folder in enumerate(('d1', 'd2', 'd3')):
        os.makedirs(f'{folder}/frames')
        cv2.imwrite(f'{folder}/frames/0001.png', photo(32, 40, index))
    code, out, _ = run('d1/frames', 'd2/frames', 'd3/frames', out_dir='out')
    assert code == 0 and 'restored 3 of 3 inputs' in out
    assert tree('out') == ['d1/frames/0001.png', 'd2/frames/0001.png',
                           'd3/frames/0001.png']
    outputs = [cv2.imread(f'out/{f}/frames/0001.png') for f in ('d1', 'd2')]
    assert not np.array_equal(*outputs)
    code, out, _ = run('d1/frames/0001.png', 'd2/frames/0001.png',
                       'd3/frames/0001.png', out_dir='flat')
    assert code == 0 and 'restored 3 of 3 inputs' in out
    assert len(tree('flat')) == 3


def test_truncated_images_and_videos_are_failures(run, tmp_path):
    data = cv2.imencode('.jpg', photo(128, 160))[1].tobytes()
    (tmp_path / 'half.jpg').write_bytes(data[:len(data) // 2])
    avi = write_video(tmp_path / 'clip.avi', frames=12)
    data = open(avi, 'rb').read()
    (tmp_path / 'half.avi').write_bytes(data[:len(data) // 2])
    os.remove(avi)
    cv2.imwrite(str(tmp_path / 'good.png'), photo(32, 32))
    out_dir = tmp_path / 'out'
    code, out, err = run(tmp_path / 'half.jpg', tmp_path / 'half.avi',
                         tmp_path / 'good.png', out_dir=out_dir)
    assert code == 1
    assert 'restored 1 of 3 inputs' in out
    assert 'half.jpg' in err and 'truncated' in err
    assert 'half.avi' in err and 'of the 12 frames' in err
    assert tree(out_dir) == ['good.png']


def test_outputs_keep_the_input_format(run, tmp_path):
    colour = photo(36, 48)
    deep = colour.astype(np.uint16) * 257 + 100
    alpha = np.random.default_rng(3).integers(0, 256, (36, 48), np.uint8)
    inputs = dict(deep=deep, rgba=np.dstack([colour, alpha]),
                  grey=cv2.cvtColor(colour, cv2.COLOR_BGR2GRAY))
    for name, image in inputs.items():
        cv2.imwrite(str(tmp_path / f'{name}.png'), image)
    out_dir = tmp_path / 'out'
    code, _, _ = run(*(tmp_path / f'{name}.png' for name in inputs),
                     out_dir=out_dir)
    assert code == 0
    outputs = {name: cv2.imread(str(out_dir / f'{name}.png'),
                                cv2.IMREAD_UNCHANGED) for name in inputs}
    for name, image in inputs.items():
        assert outputs[name].dtype == image.dtype, name
        assert outputs[name].shape == image.shape, name
    assert (outputs['deep'] % 257 != 0).mean() > 0.9  # real 16-bit values
    np.testing.assert_array_equal(outputs['rgba'][..., 3], alpha)


def test_unwritable_out_dir_is_reported_once_before_any_input(run, tmp_path):
    for index in range(3):
        cv2.imwrite(str(tmp_path / f'{index}.png'), photo(16, 16))
    (tmp_path / 'blocker').write_text('a file, not a folder')
    code, _, err = run(*(tmp_path / f'{i}.png' for i in range(3)),
                       out_dir=tmp_path / 'blocker' / 'out')
    assert code == 2
    assert err.count('--out-dir') == 1 and 'cannot create' in err
    assert '0.png' not in err and '2.png' not in err


@pytest.mark.parametrize('flags,named', [
    (['--tile-size', '0'], '--tile-size'),
    (['--tile-batch-size', '0'], '--tile-batch-size'),
    (['--tile-overlap', '-1'], '--tile-overlap'),
    (['--tile-size', 'two'], '--tile-size'),
    (['--tile-overlap', '200'], '--tile-overlap'),
])
def test_bad_tile_flags_are_named(run, tmp_path, capsys, flags, named):
    cv2.imwrite(str(tmp_path / 'a.png'), photo(16, 16))
    with pytest.raises(SystemExit) as info:
        run(tmp_path / 'a.png', out_dir=tmp_path / 'out', flags=flags)
    assert info.value.code == 2
    assert named in capsys.readouterr().err
    assert not (tmp_path / 'out').exists()


def _base_args(tiny_model_files, tmp_path):
    cv2.imwrite(str(tmp_path / 'a.png'), photo(16, 16))
    return [str(tmp_path / 'a.png'), '--checkpoint', tiny_model_files[1],
            '--out-dir', str(tmp_path / 'out')]


def test_segmentation_config_is_a_clear_error(tiny_model_files, tmp_path,
                                              capsys):
    base = _base_args(tiny_model_files, tmp_path)
    with pytest.raises(SystemExit) as info:
        load_deweather_tool().main(base + ['--config', SEG_CONFIG,
                                           '--device', 'cpu'])
    err = capsys.readouterr().err
    assert info.value.code == 2
    assert SEG_CONFIG in err and 'not a restorer config' in err


def test_missing_cuda_is_a_clear_error(tiny_model_files, tmp_path, capsys):
    base = _base_args(tiny_model_files, tmp_path)
    tool = load_deweather_tool()
    missing = ('cuda' if not torch.cuda.is_available() else
               f'cuda:{torch.cuda.device_count()}')
    with pytest.raises(SystemExit) as info:
        tool.main(base + ['--config', tiny_model_files[0], '--device',
                          missing])
    err = capsys.readouterr().err
    assert info.value.code == 2
    assert 'argument --device' in err and '--device cpu' in err


def test_tiling_bounds_every_forward_pass(run, tmp_path, monkeypatch):
    cv2.imwrite(str(tmp_path / 'wide.png'), photo(300, 600))
    forward = MoFMEViT.forward
    shapes = []

    def recording(self, x):
        shapes.append(tuple(x.shape))
        return forward(self, x)

    monkeypatch.setattr(MoFMEViT, 'forward', recording)
    code, _, _ = run(tmp_path / 'wide.png', out_dir=tmp_path / 'out',
                     flags=['--tile-overlap', '16', '--tile-batch-size', '3'])
    assert code == 0
    assert cv2.imread(str(tmp_path / 'out' / 'wide.png')).shape == (300, 600,
                                                                    3)
    # 2 x 3 overlapping 256-pixel tiles, at most 3 per forward pass
    assert sum(s[0] for s in shapes) == 6
    assert all(s[0] <= 3 and s[2:] == (256, 256) for s in shapes)


def test_weights_of_another_architecture_are_refused(tiny_model_files,
                                                     tmp_path, capsys):
    config, _ = tiny_model_files
    cfg = Config.fromfile(config)
    cfg.merge_from_dict({'model.network.ffn_cfg.num_experts': 8})
    with DefaultScope.overwrite_default_scope('mofme_mm'):
        other = MODELS.build(cfg.model)
    checkpoint = tmp_path / 'eight_experts.pth'
    torch.save(dict(state_dict=other.state_dict(), meta={}), checkpoint)
    cv2.imwrite(str(tmp_path / 'a.png'), photo(16, 16))
    code = load_deweather_tool().main([
        str(tmp_path / 'a.png'), '--config', config, '--checkpoint',
        str(checkpoint), '--out-dir', str(tmp_path / 'out'), '--device',
        'cpu'])
    err = capsys.readouterr().err
    assert code == 2
    assert 'eight_experts.pth' in err and 'cannot build the restorer' in err
    assert not (tmp_path / 'out' / 'a.png').exists()


def test_save_uncertainty_writes_a_map_next_to_each_output(run, tmp_path):
    frames = tmp_path / 'frames'
    frames.mkdir()
    for name in ('a.png', 'b.jpg'):
        cv2.imwrite(str(frames / name), photo(40, 72))
    out = tmp_path / 'out'
    code, _, err = run(frames, out_dir=out, flags=['--save-uncertainty'])
    assert code == 0, err
    for stem, ext in (('a', 'png'), ('b', 'jpg')):
        assert (out / 'frames' / f'{stem}.{ext}').is_file()
        unc = cv2.imread(str(out / 'frames' / f'{stem}_uncertainty.png'),
                         cv2.IMREAD_UNCHANGED)
        assert unc.shape == (40, 72) and unc.dtype == np.uint8
        assert unc.max() == 255
    assert not [p for p in os.listdir(out / 'frames') if p.startswith('.')]


def test_save_uncertainty_refuses_clashing_names_and_videos(run, tmp_path):
    frames = tmp_path / 'frames'
    frames.mkdir()
    cv2.imwrite(str(frames / 'a.png'), photo(40, 40))
    cv2.imwrite(str(frames / 'a_uncertainty.png'), photo(40, 40))
    code, _, err = run(frames, out_dir=tmp_path / 'out',
                       flags=['--save-uncertainty'])
    assert code == 2 and 'a_uncertainty.png' in err
    video = write_video(tmp_path / 'clip.avi')
    code, _, err = run(video, out_dir=tmp_path / 'out2',
                       flags=['--save-uncertainty'])
    assert code == 2 and 'video' in err
    assert not (tmp_path / 'out').exists() or not os.listdir(tmp_path / 'out')
