import secrets

import cv2
import pytest
import torch
from mmengine.config import Config
from mmengine.model import BaseModel
from mmengine.runner import Runner
from mmengine.structures import PixelData
from mmengine.visualization import Visualizer

from mofme_mm.engine.hooks import RestorationVisualizationHook
from mofme_mm.registry import HOOKS
from mofme_mm.structures import RestorationDataSample
from mofme_mm.utils import atomic_write
from mofme_mm.utils.output_guard import InputOverwriteError
from mofme_mm.visualization import RestorationVisualizer
from mofme_mm.visualization.comparison import title_height

BAR = title_height(6)
TOY_CONFIG = 'configs/toy/mofme_raincityscapes_toy.py'


class NoModel(BaseModel):

    def forward(self, *args, **kwargs):
        raise AssertionError('not called by these tests')


def make_runner(tmp_path, recorder, visualizer=None):
    """A real mmengine Runner holding ``visualizer`` (no loops run), by
    default one sending to ``recorder``."""
    visualizer = visualizer or RestorationVisualizer(
        name=f'hook_test_{secrets.token_hex(4)}', vis_backends=[recorder])
    runner = Runner(model=NoModel(), work_dir=str(tmp_path / 'work'),
                    visualizer=visualizer, default_scope='mofme_mm')
    return runner, recorder


def make_output(name, weather, with_gt=True):
    sample = RestorationDataSample(metainfo=dict(
        img_path=f'/data/{name}.jpg', weather=weather))
    sample.input_img = PixelData(data=torch.zeros(3, 6, 8))
    sample.pred_img = PixelData(data=torch.full((3, 6, 8), 0.5))
    if with_gt:
        sample.gt_img = PixelData(data=torch.ones(3, 6, 8))
    return sample


def test_writes_input_restored_gt_panels_to_out_dir(tmp_path, recording_backend):
    runner, recorder = make_runner(tmp_path, recording_backend)
    hook = HOOKS.build(dict(type='RestorationVisualizationHook', draw=True,
                            out_dir=str(tmp_path / 'vis'),
                            pred_dir=str(tmp_path / 'pred')))
    outputs = [make_output('a', 'rain'), make_output('b', 'fog', False)]
    hook.after_test_iter(runner, 0, None, outputs)
    panel = cv2.imread(str(tmp_path / 'vis' / 'rain' / 'a.png'))
    assert panel.shape == (BAR + 6, 8 * 3 + 4 * 2, 3)
    assert (panel[BAR:, :8] == 0).all()
    assert (panel[BAR:, 12:20] == 128).all()
    assert (panel[BAR:, 24:] == 255).all()
    assert panel[:BAR].min() < 128  # the title
    no_gt = cv2.imread(str(tmp_path / 'vis' / 'fog' / 'b.png'))
    assert no_gt.shape == (BAR + 6, 8 * 2 + 4, 3)
    pred = cv2.imread(str(tmp_path / 'pred' / 'rain' / 'a.png'))
    assert pred.shape == (6, 8, 3) and (pred == 128).all()
    assert recorder.images == []  # written to out_dir instead


def test_without_out_dir_panels_reach_the_backends(tmp_path, recording_backend):
    runner, recorder = make_runner(tmp_path, recording_backend)
    runner.message_hub.update_info('iter', 40)  # as RuntimeInfoHook does
    hook = RestorationVisualizationHook(draw=True,
                                        pred_dir=str(tmp_path / 'pred'))
    hook.after_val_iter(runner, 0, None, [make_output('a', 'rain')])
    hook.after_test_iter(runner, 0, None, [make_output('b', 'fog', False)])
    assert [(name, image.shape, step)
            for name, image, step in recorder.images] == [
        ('val_rain_a', (BAR + 6, 8 * 3 + 4 * 2, 3), 40),
        ('test_fog_b', (BAR + 6, 8 * 2 + 4, 3), 40)]
    # restored images are saved in testing only
    assert [p.name for p in (tmp_path / 'pred').rglob('*.png')] == ['b.png']


def test_training_iterations_draw_nothing(tmp_path, recording_backend):
    # mmengine's Hook.after_train_iter calls _after_iter(mode='train')
    runner, recorder = make_runner(tmp_path, recording_backend)
    hook = RestorationVisualizationHook(draw=True, out_dir=str(tmp_path),
                                        pred_dir=str(tmp_path))
    hook.after_train_iter(runner, 0, data_batch={}, outputs=dict(loss=0.1))
    assert recorder.images == [] and list(tmp_path.rglob('*.png')) == []


def test_draw_off_writes_nothing_and_interval_skips(tmp_path, recording_backend):
    runner, recorder = make_runner(tmp_path, recording_backend)
    RestorationVisualizationHook().after_test_iter(
        runner, 0, None, [make_output('a', 'rain')])
    assert recorder.images == []
    hook = RestorationVisualizationHook(draw=True, out_dir=str(tmp_path),
                                        interval=2)
    hook.after_test_iter(runner, 1, None, [make_output('odd', 'rain')])
    hook.after_test_iter(runner, 2, None, [make_output('even', 'rain')])
    assert sorted(p.name for p in (tmp_path / 'rain').iterdir()) == [
        'even.png']


def test_another_visualizer_or_a_bad_interval_is_an_error(
        tmp_path, recording_backend):
    runner, _ = make_runner(
        tmp_path, recording_backend,
        Visualizer(name=f'plain_{secrets.token_hex(4)}'))
    hook = RestorationVisualizationHook(draw=True)
    with pytest.raises(TypeError, match="type='RestorationVisualizer'"):
        hook.after_val_iter(runner, 0, None, [make_output('a', 'rain')])
    with pytest.raises(ValueError, match='interval'):
        RestorationVisualizationHook(interval=0)


def test_never_writes_onto_the_input_or_ground_truth(tmp_path, recording_backend):
    runner, _ = make_runner(tmp_path, recording_backend)
    rain = tmp_path / 'data' / 'rain'
    rain.mkdir(parents=True)
    (rain / 'a.png').write_bytes(b'the rainy input')
    (rain / 'gt.png').write_bytes(b'the clean target')
    sample = make_output('a', 'rain')
    sample.set_metainfo(dict(img_path=str(rain / 'a.png'),
                             gt_path=str(rain / 'gt.png')))
    hook = RestorationVisualizationHook(draw=True,
                                        out_dir=str(tmp_path / 'data'))
    with pytest.raises(InputOverwriteError, match='a.png'):
        hook.after_test_iter(runner, 0, None, [sample])
    gt_named = make_output('gt', 'rain')
    gt_named.set_metainfo(dict(img_path=str(tmp_path / 'other' / 'gt.jpg'),
                               gt_path=str(rain / 'gt.png')))
    hook = RestorationVisualizationHook(pred_dir=str(tmp_path / 'data'))
    with pytest.raises(InputOverwriteError, match='gt.png'):
        hook.after_test_iter(runner, 0, None, [gt_named])
    assert (rain / 'a.png').read_bytes() == b'the rainy input'
    assert (rain / 'gt.png').read_bytes() == b'the clean target'
    assert sorted(p.name for p in rain.iterdir()) == ['a.png', 'gt.png']


def test_interrupted_write_keeps_the_earlier_panel(tmp_path, monkeypatch,
                                                  recording_backend):
    runner, _ = make_runner(tmp_path, recording_backend)
    (tmp_path / 'rain').mkdir()
    (tmp_path / 'rain' / 'a.png').write_bytes(b'panel of an earlier run')

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic_write.os, 'replace', interrupted)
    hook = RestorationVisualizationHook(draw=True, out_dir=str(tmp_path))
    with pytest.raises(KeyboardInterrupt):
        hook.after_test_iter(runner, 0, None, [make_output('a', 'rain')])
    assert (tmp_path / 'rain' / 'a.png').read_bytes() == (
        b'panel of an earlier run')
    assert [p.name for p in (tmp_path / 'rain').iterdir()] == ['a.png']


def test_val_and_test_loops_send_panels_to_the_local_backend(
        tmp_path, toy_cityscapes_root):
    """A real runner validates and tests a tiny restorer on the toy data;
    every restored image's panel reaches LocalVisBackend's folder."""
    cfg = Config.fromfile(TOY_CONFIG)
    for loader in (cfg.val_dataloader, cfg.test_dataloader):
        for part in loader.dataset.datasets:
            part.data_root = toy_cityscapes_root
    cfg.model.network.update(embed_dims=16, num_heads=2, head_dims=8,
                             mlp_ratio=2, patch_size=4, head_channels=8,
                             tail_channels=8)
    cfg.model.test_cfg = dict(tile_size=32)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.default_hooks.visualization = dict(
        type='RestorationVisualizationHook', draw=True)
    cfg.visualizer.name = f'loops_{secrets.token_hex(4)}'
    cfg.pop('train_dataloader')
    cfg.pop('train_cfg')
    cfg.pop('optim_wrapper')
    cfg.pop('param_scheduler', None)
    runner = Runner.from_cfg(cfg)
    runner.val()
    runner.test()
    [folder] = (tmp_path / 'work').glob('*/vis_data/vis_image')
    names = sorted(p.name for p in folder.iterdir())
    # 2 val frames x (4 rain + 2 fog) images, once per loop
    assert len(names) == 24, names
    assert sum(n.startswith('val_rain_') for n in names) == 8
    assert sum(n.startswith('test_fog_') for n in names) == 4
    panel = cv2.imread(str(folder / names[0]))
    assert panel.shape == (title_height(64) + 64, 3 * 128 + 2 * 4, 3)
