"""MoFMEInferencer: folders, arrays, videos, panels and safe writes."""
import os

import cv2
import numpy as np
import pytest
from api_samples import photo, write_avi
from mmengine.infer import BaseInferencer

from mofme_mm.apis import MoFMEInferencer, restore_images
from mofme_mm.utils.image_reading import IncompleteImageError
from mofme_mm.utils.output_guard import InputOverwriteError
from mofme_mm.visualization import RestorationVisualizer
from mofme_mm.visualization.comparison import title_height


@pytest.fixture(scope='module')
def inferencer(tiny_restorer_files):
    config, checkpoint = tiny_restorer_files
    return MoFMEInferencer(config, weights=checkpoint, device='cpu',
                           show_progress=False)


def _frames(path):
    capture = cv2.VideoCapture(path)
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            return frames
        frames.append(frame)


def _tree(root):
    return sorted(os.path.relpath(os.path.join(dirpath, name), root)
                  for dirpath, _, names in os.walk(root) for name in names)


def test_is_an_mmengine_inferencer_with_a_real_restorer(inferencer):
    assert isinstance(inferencer, BaseInferencer)
    assert type(inferencer.model).__name__ == 'DeweatherRestorer'
    assert not inferencer.model.training


def test_restores_files_folders_arrays_and_videos(inferencer, tmp_path):
    data = tmp_path / 'data'
    (data / 'frames').mkdir(parents=True)
    colour = photo(40, 56)
    gray16 = (cv2.cvtColor(photo(36, 44, 1), cv2.COLOR_BGR2GRAY).astype(
        np.uint16) * 250)
    cv2.imwrite(str(data / 'frames' / '0001.png'), colour)
    cv2.imwrite(str(data / 'frames' / '0002.png'), gray16)
    (data / 'frames' / 'notes.txt').write_text('not an image')
    video = write_avi(data / 'drive.avi', frames=3)
    array = photo(20, 24, 2)
    out = tmp_path / 'out'

    result = inferencer([str(data / 'frames'), video, array],
                        out_dir=str(out))
    preds = result['predictions']
    assert [p['kind'] for p in preds] == ['image', 'image', 'video', 'array']
    assert all(p['error'] is None for p in preds)
    assert _tree(out) == ['array_0002.png', 'drive.avi', 'frames/0001.png',
                          'frames/0002.png']

    np.testing.assert_array_equal(preds[0]['restored'],
                                  restore_images(inferencer.model, colour))
    assert preds[1]['restored'].dtype == np.uint16
    assert preds[1]['restored'].shape == gray16.shape
    written = cv2.imread(str(out / 'frames' / '0002.png'),
                         cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(written, preds[1]['restored'])

    # every video frame is restored like the same frame given alone
    source = _frames(video)
    assert preds[2]['frames'] == 3 and len(preds[2]['restored']) == 3
    for restored, frame in zip(preds[2]['restored'], source):
        np.testing.assert_array_equal(
            restored, restore_images(inferencer.model, frame))
    assert len(_frames(str(out / 'drive.avi'))) == 3
    assert preds[3]['input'] == 'array 2'
    assert preds[3]['restored'].shape == array.shape


def test_batches_give_the_single_image_results(inferencer, tmp_path):
    video = write_avi(tmp_path / 'v.avi', frames=5)
    one = inferencer(video)['predictions'][0]['restored']
    three = inferencer(video, batch_size=3)['predictions'][0]['restored']
    assert len(one) == len(three) == 5
    for a, b in zip(one, three):
        assert np.abs(a.astype(int) - b.astype(int)).max() <= 1


def test_panels_and_tile_overrides(inferencer, tmp_path):
    image = photo(40, 56)
    result = inferencer([image], return_vis=True, vis_dir=str(tmp_path),
                        tile_size=16)
    panel = result['visualization'][0]
    bar = title_height(40)  # drawn by the RestorationVisualizer
    assert isinstance(inferencer.visualizer, RestorationVisualizer)
    assert panel.shape == (bar + 40, 56 * 2 + 4, 3)
    np.testing.assert_array_equal(panel[bar:, :56], image)
    np.testing.assert_array_equal(
        panel[bar:, 60:],
        restore_images(inferencer.model, image, tile_size=16))
    assert _tree(tmp_path) == ['array_0000.png']
    np.testing.assert_array_equal(
        cv2.imread(str(tmp_path / 'array_0000.png')), panel)
    assert inferencer.model.test_cfg['tile_size'] == 32
    assert result['predictions'][0]['output'] is None


def test_bad_inputs_raise_or_are_reported(inferencer, tmp_path):
    good = tmp_path / 'good.png'
    cv2.imwrite(str(good), photo())
    data = cv2.imencode('.jpg', photo(64, 64))[1].tobytes()
    (tmp_path / 'cut.jpg').write_bytes(data[:len(data) // 2])
    inputs = [str(tmp_path / 'cut.jpg'), str(tmp_path / 'missing.png'),
              str(good)]
    with pytest.raises(IncompleteImageError, match='cut.jpg'):
        inferencer(inputs[:1] + inputs[2:])
    with pytest.raises(FileNotFoundError, match='missing.png'):
        inferencer(inputs, out_dir=str(tmp_path / 'out'))
    assert not (tmp_path / 'out').exists()  # refused before any work
    out = tmp_path / 'out'
    preds = inferencer(inputs, out_dir=str(out), errors='report',
                       return_arrays=False)['predictions']
    assert 'truncated' in preds[0]['error'] and preds[0]['output'] is None
    assert 'no such file' in preds[1]['error']
    assert preds[2]['error'] is None and preds[2]['restored'] is None
    assert _tree(out) == ['good.png']


def test_outputs_onto_inputs_are_refused_before_any_work(inferencer,
                                                         tmp_path):
    for name in ('a.png', 'b.png'):
        cv2.imwrite(str(tmp_path / name), photo())
    before = {name: (tmp_path / name).read_bytes() for name in ('a.png',
                                                                'b.png')}
    with pytest.raises(InputOverwriteError, match='would replace'):
        inferencer([str(tmp_path)], out_dir=str(tmp_path.parent))
    with pytest.raises(InputOverwriteError):
        inferencer([str(tmp_path / 'a.png'), str(tmp_path / 'b.png')],
                   out_dir=str(tmp_path))
    assert {name: (tmp_path / name).read_bytes()
            for name in before} == before
    assert _tree(tmp_path) == ['a.png', 'b.png']
