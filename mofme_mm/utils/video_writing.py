"""Write a video atomically: frames go to a temporary file renamed at the end.

An interrupted or failed run (an exception inside the ``with`` block, e.g.
the input video turned out to be truncated) removes the temporary file and
leaves the destination as it was.
"""
import contextlib
import os.path as osp
from typing import Optional

import cv2
import numpy as np

from .atomic_write import Protect, atomic_output

# Container (extension) -> codec that OpenCV's FFmpeg build writes into it.
VIDEO_CODECS = {
    '.mp4': 'mp4v',
    '.m4v': 'mp4v',
    '.mov': 'mp4v',
    '.mkv': 'mp4v',
    '.avi': 'MJPG',
    '.webm': 'VP80',
}


class AtomicVideoWriter:
    """Context manager writing BGR frames to ``path`` through a temporary file.

    The codec follows the extension (:data:`VIDEO_CODECS`); the frame size is
    taken from the first frame. Example::

        with AtomicVideoWriter('out/drive.mp4', fps=25) as writer:
            for frame in frames:
                writer.write(frame)

    Args:
        path (str): Destination video; its extension must be a key of
            :data:`VIDEO_CODECS`.
        fps (float): Frames per second.
        protect (InputGuard | Sequence[str], optional): Input files that
            ``path`` must not be. Defaults to None.
    """

    def __init__(self, path: str, fps: float, protect: Protect = None) -> None:
        ext = osp.splitext(path)[1].lower()
        if ext not in VIDEO_CODECS:
            raise ValueError(f'cannot write a video as {path}: the extension '
                             f'must be one of {sorted(VIDEO_CODECS)}')
        self.path = path
        self.fps = float(fps)
        self.frames = 0
        self._protect = protect
        self._codec = VIDEO_CODECS[ext]
        self._stack: Optional[contextlib.ExitStack] = None
        self._tmp: Optional[str] = None
        self._writer: Optional[cv2.VideoWriter] = None
        self._size = None

    def __enter__(self) -> 'AtomicVideoWriter':
        self._stack = contextlib.ExitStack()
        self._tmp = self._stack.enter_context(
            atomic_output(self.path, self._protect))
        self._stack.callback(self._release)
        return self

    def write(self, frame: np.ndarray) -> None:
        """Append one uint8 BGR ``(H, W, 3)`` frame (all of the same size)."""
        if self._stack is None:
            raise RuntimeError('use AtomicVideoWriter in a `with` block')
        if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
            raise ValueError('video frames must be uint8 BGR (H, W, 3), got '
                             f'{frame.dtype} {frame.shape}')
        size = (frame.shape[1], frame.shape[0])
        if self._writer is None:
            self._writer = cv2.VideoWriter(
                self._tmp, cv2.VideoWriter_fourcc(*self._codec), self.fps,
                size)
            if not self._writer.isOpened():
                raise OSError(f'cannot write the video {self.path} '
                              f'({self._codec} codec).')
            self._size = size
        elif size != self._size:
            raise ValueError(f'frame {self.frames} of {self.path} is '
                             f'{size[0]} x {size[1]}, the first was '
                             f'{self._size[0]} x {self._size[1]}')
        self._writer.write(frame)
        self.frames += 1

    def _release(self) -> None:
        if self._writer is not None:
            self._writer.release()
            self._writer = None

    def __exit__(self, exc_type, exc, traceback) -> bool:
        stack, self._stack = self._stack, None
        # Releases the writer first, then renames (or removes) the file.
        return stack.__exit__(exc_type, exc, traceback)
