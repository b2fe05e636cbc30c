"""init_restorer and restore_images on a tiny real MoFME restorer."""
import copy
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from api_samples import TINY_RESTORER, photo
from mmengine.config import Config

from mofme_mm.apis import (
    check_device,
    init_restorer,
    restore_images,
    tiling_cfg,
)
from mofme_mm.utils.image_reading import IncompleteImageError

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SEG_CONFIG = osp.join(
    REPO, 'configs', 'downstream',
    'deeplabv3plus_r50-d8_mofme_80k_rain-fog-cityscapes-512x1024.py')


def reference(model, bgr01: np.ndarray) -> np.ndarray:
    """Restore a BGR float image with the model directly (no API code)."""
    rgb = torch.from_numpy(np.ascontiguousarray(bgr01[..., ::-1])).float()
    with torch.no_grad():
        out = model.restore(rgb.permute(2, 0, 1)[None])[0]
    return out.permute(1, 2, 0).numpy()[..., ::-1]


def test_init_restorer_loads_the_checkpoint_from_every_config_form(
        tiny_restorer_files):
    config, checkpoint = tiny_restorer_files
    saved = torch.load(checkpoint, weights_only=True)['state_dict']
    for form in (config, Config.fromfile(config), dict(model=TINY_RESTORER),
                 copy.deepcopy(TINY_RESTORER)):
        model = init_restorer(form, checkpoint, device='cpu')
        assert not model.training
        state = model.state_dict()
        assert state.keys() == saved.keys()
        for key, value in saved.items():
            torch.testing.assert_close(state[key], value, rtol=0, atol=0)
    assert model.cfg.model.type == 'DeweatherRestorer'
    overridden = init_restorer(config, checkpoint, cfg_options={
        'model.test_cfg.tile_size': 16})
    assert overridden.test_cfg['tile_size'] == 16


def test_init_restorer_without_checkpoint_warns(tiny_restorer_files):
    with pytest.warns(UserWarning, match='random weights'):
        init_restorer(tiny_restorer_files[0])


def test_segmentation_config_is_refused_naming_it_and_its_restorer():
    with pytest.raises(TypeError) as info:
        init_restorer(SEG_CONFIG)
    message = str(info.value)
    assert SEG_CONFIG in message and 'not a restorer config' in message
    assert 'DeweatherRestorer' in message
    assert 'mofme_raincityscapes.py' in message  # where its restorer is


def test_bare_network_config_is_refused_with_the_fix(tmp_path):
    path = tmp_path / 'bare.py'
    path.write_text(f"model = {TINY_RESTORER['network']!r}\n")
    with pytest.raises(TypeError, match='wrap it'):
        init_restorer(str(path))
    with pytest.raises(FileNotFoundError, match='nowhere.py'):
        init_restorer(str(tmp_path / 'nowhere.py'))


def test_unavailable_devices_are_refused_clearly(tiny_restorer_files):
    missing = ('cuda' if not torch.cuda.is_available() else
               f'cuda:{torch.cuda.device_count()}')
    with pytest.raises(ValueError, match='cuda') as info:
        init_restorer(tiny_restorer_files[0], device=missing)
    assert 'cpu' in str(info.value)
    with pytest.raises(ValueError, match='not a torch device'):
        check_device('gpu')
    assert check_device('cpu') == torch.device('cpu')


def test_restore_images_matches_the_model_for_every_format(tiny_restorer):
    model = tiny_restorer
    bgr = photo()
    expected8 = np.rint(reference(model, bgr / 255.0) * 255)
    out = restore_images(model, bgr)
    assert out.dtype == np.uint8 and out.shape == bgr.shape
    np.testing.assert_allclose(out, expected8, atol=1)

    bgr16 = (bgr.astype(np.uint16) * 257 + np.arange(56, dtype=np.uint16)
             [None, :, None])
    out16 = restore_images(model, bgr16)
    assert out16.dtype == np.uint16 and out16.shape == bgr16.shape
    expected16 = np.rint(reference(model, bgr16 / 65535.0) * 65535)
    np.testing.assert_allclose(out16, expected16, atol=2)
    assert (out16 % 257 != 0).mean() > 0.9  # not 8-bit values scaled up

    alpha = np.random.default_rng(1).integers(0, 256, bgr.shape[:2],
                                              dtype=np.uint8)
    out_bgra = restore_images(model, np.dstack([bgr, alpha]))
    assert out_bgra.shape == bgr.shape[:2] + (4, )
    np.testing.assert_array_equal(out_bgra[..., 3], alpha)
    np.testing.assert_allclose(out_bgra[..., :3], expected8, atol=1)

    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    out_gray = restore_images(model, gray)
    assert out_gray.shape == gray.shape and out_gray.dtype == np.uint8
    colour = reference(model, np.repeat(gray[..., None], 3, 2) / 255.0)
    expected_gray = np.rint(255 * cv2.cvtColor(colour.astype(np.float32),
                                               cv2.COLOR_BGR2GRAY))
    np.testing.assert_allclose(out_gray, expected_gray, atol=1)

    out_float = restore_images(model, bgr.astype(np.float32) / 255)
    assert out_float.dtype == np.float32
    np.testing.assert_allclose(out_float, reference(model, bgr / 255.0),
                               atol=1e-5)


def test_restore_images_reads_paths_and_lists(tiny_restorer, tmp_path):
    image = photo(30, 70)
    cv2.imwrite(str(tmp_path / 'a.png'), image)
    outs = restore_images(tiny_restorer, [str(tmp_path / 'a.png'), image])
    assert isinstance(outs, list) and len(outs) == 2
    np.testing.assert_array_equal(outs[0], outs[1])
    data = (tmp_path / 'a.png').read_bytes()
    (tmp_path / 'cut.png').write_bytes(data[:len(data) // 2])
    with pytest.raises(IncompleteImageError, match='cut.png'):
        restore_images(tiny_restorer, str(tmp_path / 'cut.png'))


def test_tile_settings_override_for_one_call(tiny_restorer):
    model = tiny_restorer
    shapes = []
    handle = model.network.register_forward_hook(
        lambda module, args, output: shapes.append(tuple(args[0].shape)))
    try:
        image = photo(50, 70)
        default = restore_images(model, image)
        assert shapes and all(s[2:] == (32, 32) and s[0] <= 4 for s in shapes)
        shapes.clear()
        small = restore_images(model, image, tile_size=16, tile_batch_size=3)
        assert shapes and all(s[2:] == (16, 16) and s[0] <= 3 for s in shapes)
    finally:
        handle.remove()
    assert small.shape == default.shape
    assert not np.array_equal(small, default)  # the tiling did change
    assert model.test_cfg['tile_size'] == 32  # restored after the call
    with pytest.raises(ValueError, match='tile_overlap'):
        restore_images(model, image, tile_overlap=30)


def test_tiling_cfg_switches_whole_models_to_tiles():
    assert tiling_cfg(dict(mode='whole'))['mode'] == 'whole'
    assert tiling_cfg(dict(mode='whole'), force_tile=True) == dict(
        mode='tile', tile_size=256, tile_overlap=0, tile_batch_size=8,
        precision='fp32', uncertainty=False)
    assert tiling_cfg(None, tile_size=64)['tile_size'] == 64
    with pytest.raises(ValueError, match='tile_size'):
        tiling_cfg(None, tile_size=0)
