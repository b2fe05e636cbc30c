import cv2
import pytest
import torch
from mmengine.structures import PixelData

from mofme_mm.engine.hooks import RestorationVisualizationHook
from mofme_mm.registry import HOOKS
from mofme_mm.structures import RestorationDataSample
from mofme_mm.utils import atomic_write
from mofme_mm.utils.output_guard import InputOverwriteError


def make_output(name, weather, with_gt=True):
    sample = RestorationDataSample(metainfo=dict(
        img_path=f'/data/{name}.jpg', weather=weather))
    sample.input_img = PixelData(data=torch.zeros(3, 6, 8))
    sample.pred_img = PixelData(data=torch.full((3, 6, 8), 0.5))
    if with_gt:
        sample.gt_img = PixelData(data=torch.ones(3, 6, 8))
    return sample


def test_writes_input_restored_gt_panels(tmp_path):
    hook = HOOKS.build(dict(type='RestorationVisualizationHook', draw=True,
                            out_dir=str(tmp_path / 'vis'),
                            pred_dir=str(tmp_path / 'pred')))
    outputs = [make_output('a', 'rain'), make_output('b', 'fog', False)]
    hook.after_test_iter(None, 0, None, outputs)
    panel = cv2.imread(str(tmp_path / 'vis' / 'rain' / 'a.png'))
    assert panel.shape == (6, 8 * 3 + 4 * 2, 3)
    assert (panel[:, :8] == 0).all()
    assert (panel[:, 12:20] == 128).all()
    assert (panel[:, 24:] == 255).all()
    no_gt = cv2.imread(str(tmp_path / 'vis' / 'fog' / 'b.png'))
    assert no_gt.shape == (6, 8 * 2 + 4, 3)
    pred = cv2.imread(str(tmp_path / 'pred' / 'rain' / 'a.png'))
    assert pred.shape == (6, 8, 3) and (pred == 128).all()


def test_draw_off_writes_nothing_and_interval_skips(tmp_path):
    RestorationVisualizationHook().after_test_iter(
        None, 0, None, [make_output('a', 'rain')])
    hook = RestorationVisualizationHook(draw=True, out_dir=str(tmp_path),
                                        interval=2)
    hook.after_test_iter(None, 1, None, [make_output('odd', 'rain')])
    hook.after_test_iter(None, 2, None, [make_output('even', 'rain')])
    assert sorted(p.name for p in (tmp_path / 'rain').iterdir()) == [
        'even.png']


def test_draw_without_out_dir_raises():
    with pytest.raises(ValueError, match='out_dir'):
        RestorationVisualizationHook(draw=True)


def test_never_writes_onto_the_input_or_ground_truth(tmp_path):
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
        hook.after_test_iter(None, 0, None, [sample])
    gt_named = make_output('gt', 'rain')
    gt_named.set_metainfo(dict(img_path=str(tmp_path / 'other' / 'gt.jpg'),
                               gt_path=str(rain / 'gt.png')))
    hook = RestorationVisualizationHook(pred_dir=str(tmp_path / 'data'))
    with pytest.raises(InputOverwriteError, match='gt.png'):
        hook.after_test_iter(None, 0, None, [gt_named])
    assert (rain / 'a.png').read_bytes() == b'the rainy input'
    assert (rain / 'gt.png').read_bytes() == b'the clean target'
    assert sorted(p.name for p in rain.iterdir()) == ['a.png', 'gt.png']


def test_interrupted_write_keeps_the_earlier_panel(tmp_path, monkeypatch):
    (tmp_path / 'rain').mkdir()
    (tmp_path / 'rain' / 'a.png').write_bytes(b'panel of an earlier run')

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic_write.os, 'replace', interrupted)
    hook = RestorationVisualizationHook(draw=True, out_dir=str(tmp_path))
    with pytest.raises(KeyboardInterrupt):
        hook.after_test_iter(None, 0, None, [make_output('a', 'rain')])
    assert (tmp_path / 'rain' / 'a.png').read_bytes() == (
        b'panel of an earlier run')
    assert [p.name for p in (tmp_path / 'rain').iterdir()] == ['a.png']
