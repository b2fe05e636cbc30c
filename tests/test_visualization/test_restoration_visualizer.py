import secrets

import cv2
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmengine.visualization import LocalVisBackend

from mofme_mm.registry import VISUALIZERS
from mofme_mm.structures import RestorationDataSample
from mofme_mm.utils.output_guard import InputOverwriteError
from mofme_mm.visualization import RestorationVisualizer, add_title
from mofme_mm.visualization.comparison import title_height

H, W = 20, 8
BAR = title_height(H)


def _name():
    return f'test_vis_{secrets.token_hex(4)}'


def _sample(weather='rain', with_gt=True, img_path='/data/a.png'):
    sample = RestorationDataSample(metainfo=dict(img_path=img_path,
                                                 weather=weather))
    sample.pred_img = PixelData(data=torch.full((3, H, W), 0.5))
    if with_gt:
        sample.gt_img = PixelData(data=torch.ones(3, H, W))
    return sample


def _input():
    image = np.zeros((H, W, 3), np.uint8)
    image[..., 0] = 30  # a red-ish input, to see the channel order
    return image


def test_built_from_the_registry_and_sent_to_every_backend(tmp_path, recording_backend):
    recorder = recording_backend
    visualizer = VISUALIZERS.build(dict(
        type='RestorationVisualizer', name=_name(),
        vis_backends=[dict(type='LocalVisBackend'), recorder],
        save_dir=str(tmp_path)))
    assert isinstance(visualizer, RestorationVisualizer)
    assert isinstance(visualizer.get_backend('LocalVisBackend'),
                      LocalVisBackend)
    visualizer.add_datasample('val_rain_a', _input(), _sample(), step=7)

    # LocalVisBackend: <save_dir>/vis_data/vis_image/<name>_<step>.png
    written = cv2.imread(str(tmp_path / 'vis_data' / 'vis_image' /
                             'val_rain_a_7.png'))[..., ::-1]
    assert written.shape == (BAR + H, 3 * W + 2 * 4, 3)
    body = written[BAR:]
    np.testing.assert_array_equal(body[:, :W], _input())
    assert (body[:, W:W + 4] == 255).all()
    assert (body[:, W + 4:2 * W + 4] == 128).all()  # restored (0.5)
    assert (body[:, 2 * W + 8:] == 255).all()  # ground truth (1.0)
    # the title names the weather and the columns
    expected_bar = add_title(body, 'rain: input | restored | ground truth')
    np.testing.assert_array_equal(written[:BAR], expected_bar[:BAR])
    # the other backend got the same panel, name and step
    assert len(recorder.images) == 1
    name, image, step = recorder.images[0]
    assert (name, step) == ('val_rain_a', 7)
    np.testing.assert_array_equal(image, written)
    np.testing.assert_array_equal(visualizer.get_image(), written)


def test_columns_follow_the_sample_and_the_flags(recording_backend):
    recorder = recording_backend
    visualizer = RestorationVisualizer(name=_name(), vis_backends=[recorder])
    visualizer.add_datasample('a', _input(), _sample('fog', with_gt=False))
    visualizer.add_datasample('b', _input(), _sample(), draw_pred=False)
    visualizer.add_datasample('c', _input())
    no_gt, no_pred, alone = (image for _, image, _ in recorder.images)
    assert no_gt.shape[1] == no_pred.shape[1] == 2 * W + 4
    assert (no_gt[BAR:, W + 4:] == 128).all()
    assert (no_pred[BAR:, W + 4:] == 255).all()
    assert alone.shape == (BAR + H, W, 3)
    np.testing.assert_array_equal(
        no_gt[:BAR], add_title(no_gt[BAR:], 'fog: input | restored')[:BAR])
    with pytest.raises(ValueError, match='uint8 RGB'):
        visualizer.add_datasample('d', _input().astype(np.float32))


def test_out_file_is_written_instead_of_the_backends(tmp_path, recording_backend):
    recorder = recording_backend
    visualizer = RestorationVisualizer(name=_name(), vis_backends=[recorder])
    out = tmp_path / 'panels' / 'rain' / 'a.png'
    visualizer.add_datasample('a', _input(), _sample(), out_file=str(out))
    assert recorder.images == []
    panel = cv2.imread(str(out))[..., ::-1]
    assert panel.shape == (BAR + H, 3 * W + 8, 3)
    np.testing.assert_array_equal(panel[BAR:, :W], _input())
    assert [p.name for p in out.parent.iterdir()] == ['a.png']  # no temp


def test_out_file_never_replaces_the_samples_own_files(tmp_path):
    source = tmp_path / 'rainy.png'
    source.write_bytes(b'the rainy input')
    visualizer = RestorationVisualizer(name=_name())
    with pytest.raises(InputOverwriteError, match='rainy.png'):
        visualizer.add_datasample('a', _input(),
                                  _sample(img_path=str(source)),
                                  out_file=str(source))
    assert source.read_bytes() == b'the rainy input'
