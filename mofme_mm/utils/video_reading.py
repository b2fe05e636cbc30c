"""Read every frame of a video, or fail when the file holds fewer.

OpenCV stops reading a video that was cut short without any error; the
container still announces its full frame count. :func:`read_video_frames`
compares the frames it could decode with ``CAP_PROP_FRAME_COUNT`` and raises
:class:`IncompleteVideoError` when frames are missing.
"""
from typing import Iterator, NamedTuple

import cv2
import numpy as np


class IncompleteVideoError(OSError):
    """A video yields fewer frames than its container announces."""


class VideoInfo(NamedTuple):
    """What the container says about a video.

    Attributes:
        fps (float): Frames per second (25 when the container has none).
        frame_count (int): Announced frames; 0 when unknown.
        width (int): Frame width in pixels.
        height (int): Frame height in pixels.
    """
    fps: float
    frame_count: int
    width: int
    height: int


def open_video(path: str) -> cv2.VideoCapture:
    """``cv2.VideoCapture`` that raises an error naming the file."""
    capture = cv2.VideoCapture(path)
    if not capture.isOpened():
        capture.release()
        raise OSError(f'cannot open the video {path} (missing, truncated, or '
                      'a codec OpenCV cannot decode).')
    return capture


def video_info(capture: cv2.VideoCapture) -> VideoInfo:
    """The :class:`VideoInfo` of an open capture."""
    fps = capture.get(cv2.CAP_PROP_FPS)
    count = capture.get(cv2.CAP_PROP_FRAME_COUNT)
    return VideoInfo(
        fps=fps if fps and fps > 0 else 25.0,
        frame_count=int(count) if count and count > 0 else 0,
        width=int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
        height=int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)))


def read_video_frames(path: str) -> Iterator[np.ndarray]:
    """Yield the BGR frames of a video, checking that none are missing.

    The check runs after the last frame: a consumer that writes frames as
    they come must discard its output when the generator raises.

    Args:
        path (str): Video file.

    Yields:
        np.ndarray: ``(H, W, 3)`` uint8 BGR frames.

    Raises:
        OSError: The video cannot be opened or holds no frame.
        IncompleteVideoError: Fewer frames were decoded than the container's
            frame count (a file cut short, or corrupt frames).
    """
    capture = open_video(path)
    try:
        expected = video_info(capture).frame_count
        read = 0
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            read += 1
            yield frame
    finally:
        capture.release()
    if read == 0:
        raise OSError(f'the video {path} holds no readable frames.')
    if expected and read < expected:
        raise IncompleteVideoError(
            f'the video {path} gave {read} of the {expected} frames its '
            'container announces (file truncated or corrupt).')


def probe_video(path: str) -> VideoInfo:
    """Open a video only to read its :class:`VideoInfo`."""
    capture = open_video(path)
    try:
        return video_info(capture)
    finally:
        capture.release()
