"""Video reading that detects truncation, and atomic video writing."""
import os

import cv2
import numpy as np
import pytest

from mofme_mm.utils.video_reading import (
    IncompleteVideoError,
    probe_video,
    read_video_frames,
)
from mofme_mm.utils.video_writing import AtomicVideoWriter


def write_avi(path, frames=12, size=(48, 32)):
    """An MJPG AVI of ``frames`` distinct, textured frames."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'MJPG'), 5,
                             size)
    assert writer.isOpened()
    rng = np.random.default_rng(0)
    for _ in range(frames):
        writer.write(rng.integers(0, 256, (size[1], size[0], 3), np.uint8))
    writer.release()
    return str(path)


def test_reads_all_frames_of_a_complete_video(tmp_path):
    path = write_avi(tmp_path / 'v.avi')
    assert probe_video(path).frame_count == 12
    frames = list(read_video_frames(path))
    assert len(frames) == 12 and frames[0].shape == (32, 48, 3)


def test_truncated_video_raises_after_its_frames(tmp_path):
    path = write_avi(tmp_path / 'v.avi')
    data = open(path, 'rb').read()
    cut = tmp_path / 'cut.avi'
    cut.write_bytes(data[:len(data) // 2])
    capture = cv2.VideoCapture(str(cut))  # OpenCV alone: no error at all
    plain = 0
    while capture.read()[0]:
        plain += 1
    assert 0 < plain < 12
    frames = []
    with pytest.raises(IncompleteVideoError, match=f'{plain} of the 12'):
        for frame in read_video_frames(str(cut)):
            frames.append(frame)
    assert len(frames) == plain


def test_unreadable_video_names_the_file(tmp_path):
    (tmp_path / 'bad.mp4').write_bytes(b'not a video')
    with pytest.raises(OSError, match='bad.mp4'):
        list(read_video_frames(str(tmp_path / 'bad.mp4')))


def test_writer_renames_only_a_complete_video(tmp_path):
    path = tmp_path / 'out.avi'
    with AtomicVideoWriter(str(path), 5) as writer:
        for _ in range(4):
            writer.write(np.zeros((32, 48, 3), np.uint8))
    assert writer.frames == 4
    assert os.listdir(tmp_path) == ['out.avi']
    assert probe_video(str(path)).frame_count == 4

    previous = path.read_bytes()
    with pytest.raises(RuntimeError):
        with AtomicVideoWriter(str(path), 5) as writer:
            writer.write(np.zeros((32, 48, 3), np.uint8))
            raise RuntimeError('interrupted')
    assert path.read_bytes() == previous
    assert os.listdir(tmp_path) == ['out.avi']


def test_writer_checks_frames_and_extension(tmp_path):
    with pytest.raises(ValueError, match='extension'):
        AtomicVideoWriter(str(tmp_path / 'x.gif'), 5)
    with pytest.raises(ValueError, match='first was'):
        with AtomicVideoWriter(str(tmp_path / 'x.mp4'), 5) as writer:
            writer.write(np.zeros((32, 48, 3), np.uint8))
            writer.write(np.zeros((30, 48, 3), np.uint8))
    with pytest.raises(OSError, match='nothing was written'):
        with AtomicVideoWriter(str(tmp_path / 'x.mp4'), 5):
            pass
    assert os.listdir(tmp_path) == []
