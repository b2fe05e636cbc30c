"""tools/deweather.py on a full-size frame, a folder, a video and bad files."""
import importlib.util
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from tiny_config import REPO, write_tiny_config

from mofme_mm.registry import MODELS


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
    return config, str(checkpoint), tmp


def test_restores_full_frame_folder_and_video_reporting_bad_files(
        tiny_model_files, capsys):
    config, checkpoint, tmp = tiny_model_files
    frame = np.random.default_rng(0).integers(0, 256, (1024, 2048, 3),
                                              dtype=np.uint8)
    cv2.imwrite(str(tmp / 'city.png'), frame)
    folder = tmp / 'folder'
    folder.mkdir()
    cv2.imwrite(str(folder / 'small.jpg'), frame[:70, :90])
    (folder / 'broken.png').write_bytes(b'not an image')
    video = tmp / 'drive.mp4'
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*'mp4v'), 5,
                             (96, 64))
    for index in range(3):
        writer.write(np.full((64, 96, 3), 40 * index, dtype=np.uint8))
    writer.release()

    tool = load_deweather_tool()
    out_dir = tmp / 'out'
    code = tool.main([str(tmp / 'city.png'), str(folder), str(video),
                      str(tmp / 'missing.png'), '--config', config,
                      '--checkpoint', checkpoint, '--out-dir', str(out_dir),
                      '--device', 'cpu'])
    err = capsys.readouterr().err
    assert code == 1
    assert 'broken.png' in err and 'missing.png' in err

    restored = cv2.imread(str(out_dir / 'city.png'), cv2.IMREAD_UNCHANGED)
    assert restored.shape == (1024, 2048, 3) and restored.dtype == np.uint8
    small = cv2.imread(str(out_dir / 'folder' / 'small.png'))
    assert small.shape == (70, 90, 3)
    capture = cv2.VideoCapture(str(out_dir / 'drive.mp4'))
    frames = []
    while True:
        ok, image = capture.read()
        if not ok:
            break
        frames.append(image)
    assert len(frames) == 3 and frames[0].shape == (64, 96, 3)


def test_tiling_bounds_every_forward_pass(tiny_model_files):
    config, checkpoint, _ = tiny_model_files
    tool = load_deweather_tool()
    model = tool.build_model(config, checkpoint, 'cpu',
                             dict(tile_size=None, tile_overlap=16,
                                  tile_batch_size=3))
    assert model.test_cfg == dict(mode='tile', tile_size=256, tile_overlap=16,
                                  tile_batch_size=3)
    shapes = []
    model.network.register_forward_hook(
        lambda module, args, output: shapes.append(tuple(args[0].shape)))
    out = tool.restore_frame(model, np.zeros((300, 600, 3), np.uint8), 'cpu')
    assert out.shape == (300, 600, 3)
    assert shapes and all(s[0] <= 3 and s[2:] == (256, 256) for s in shapes)


def test_bad_tile_option_names_the_field(tiny_model_files):
    config, checkpoint, _ = tiny_model_files
    with pytest.raises(ValueError, match='tile_overlap'):
        load_deweather_tool().build_model(config, checkpoint, 'cpu',
                                dict(tile_overlap=200))
