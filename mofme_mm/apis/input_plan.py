"""Turn the inputs of a deweathering run into jobs with unique output names.

Inputs are image files, video files, folders (searched recursively; hidden
files and folders, whose names start with ``.``, are skipped) and arrays.

Output names mirror the inputs: every input path is taken relative to the
deepest folder that holds all of them, where a folder input counts from its
parent, so its own name is kept. ``frames/`` gives ``frames/0001.png``;
``d1/frames d2/frames`` give ``d1/frames/...`` and ``d2/frames/...``;
``a/0001.png b/0001.png`` give ``a/0001.png`` and ``b/0001.png``; a single
file ``x/y/0001.png`` gives ``0001.png``. Images keep their file name and
format; videos keep theirs when OpenCV can write that container
(:data:`mofme_mm.utils.video_writing.VIDEO_CODECS`), else ``.mp4`` is
appended (``clip.mpg`` -> ``clip.mpg.mp4``). Arrays are named
``array_0000.png`` (``.tiff`` for float arrays) by their position. A file
listed twice (also through a folder) is restored once.
"""
import os
import os.path as osp
from typing import List, NamedTuple, Optional, Sequence, Tuple, Union

import numpy as np

from mofme_mm.utils.output_guard import InputGuard, InputOverwriteError
from mofme_mm.utils.video_writing import VIDEO_CODECS

IMAGE_EXTS = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp')
VIDEO_EXTS = ('.mp4', '.avi', '.mov', '.mkv', '.webm', '.m4v', '.mpg',
              '.mpeg')


class InputItem(NamedTuple):
    """One input of a run.

    Attributes:
        kind (str): ``'image'``, ``'video'``, ``'array'``, or ``'missing'``
            (a path that is no file, or a folder without images: ``error``
            says which).
        source (str | np.ndarray): The path or the array.
        name (str): Output path relative to the output folder.
        label (str): How messages name the input (its path, ``array 2``).
        error (str, optional): Why a ``'missing'`` input cannot be used.
    """
    kind: str
    source: Union[str, np.ndarray]
    name: str
    label: str
    error: Optional[str] = None


def _kind(path: str) -> Optional[str]:
    ext = osp.splitext(path)[1].lower()
    if ext in VIDEO_EXTS:
        return 'video'
    return 'image' if ext in IMAGE_EXTS else None


def _walk(folder: str) -> List[str]:
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith('.'))
        for name in sorted(files):
            path = osp.join(root, name)
            if not name.startswith('.') and _kind(path):
                found.append(path)
    return found


def output_name(relative: str, kind: str) -> str:
    """Output path (relative) of an input found at ``relative``."""
    if kind == 'video' and osp.splitext(relative)[1].lower() not in (
            VIDEO_CODECS):
        return relative + '.mp4'
    return relative


def collect_inputs(inputs: Sequence[Union[str, np.ndarray]]
                   ) -> List[InputItem]:
    """Expand folders and name every input's output (see the module doc).

    Args:
        inputs (Sequence[str | np.ndarray]): Files, folders and arrays.

    Returns:
        list[InputItem]: One item per file (folder contents sorted) and
        array, in input order, without duplicates; unusable paths as
        ``'missing'`` items.
    """
    paths = [item for item in inputs if isinstance(item, str)]
    anchors = [osp.dirname(osp.abspath(path.rstrip('/\\') or path))
               for path in paths if osp.exists(path)]
    root = osp.commonpath(anchors) if anchors else os.getcwd()
    items: List[InputItem] = []
    seen = set()

    def add(kind: str, path: str) -> None:
        real = osp.realpath(path)
        if real in seen:
            return
        seen.add(real)
        relative = osp.relpath(osp.abspath(path), root)
        items.append(InputItem(kind, path, output_name(relative, kind), path))

    for index, item in enumerate(inputs):
        if isinstance(item, np.ndarray):
            ext = '.tiff' if np.issubdtype(item.dtype, np.floating) else '.png'
            items.append(InputItem('array', item, f'array_{index:04d}{ext}',
                                   f'array {index}'))
        elif not isinstance(item, str):
            raise TypeError('inputs must be paths or numpy arrays, got '
                            f'{type(item).__name__}')
        elif osp.isdir(item):
            found = _walk(item)
            if not found:
                items.append(InputItem(
                    'missing', item, '', item,
                    'the folder holds no images or videos (searched '
                    f'recursively for {IMAGE_EXTS + VIDEO_EXTS})'))
            for path in found:
                add(_kind(path), path)
        elif osp.isfile(item):
            add(_kind(item) or 'image', item)
        else:
            items.append(InputItem('missing', item, '', item,
                                   'no such file or folder'))
    return items


def plan_outputs(items: Sequence[InputItem], out_dir: str,
                 guard: Optional[InputGuard] = None) -> List[Optional[str]]:
    """Output path of every item, refusing clashes before anything is written.

    Args:
        items (Sequence[InputItem]): From :func:`collect_inputs`.
        out_dir (str): The output folder.
        guard (InputGuard, optional): The inputs no output may replace.
            Defaults to the file inputs among ``items``.

    Returns:
        list[str | None]: One path per item (None for ``'missing'`` items).

    Raises:
        InputOverwriteError: Some outputs would replace inputs.
        ValueError: Two inputs would get the same output.
    """
    if guard is None:
        guard = InputGuard(item.source for item in items
                           if isinstance(item.source, str))
    paths: List[Optional[str]] = []
    owners = {}
    overwrites: List[Tuple[str, str]] = []
    for item in items:
        if item.kind == 'missing':
            paths.append(None)
            continue
        path = osp.normpath(osp.join(out_dir, item.name))
        key = osp.realpath(path)
        if key in owners:
            raise ValueError(f'{owners[key]} and {item.label} would both be '
                             f'written to {path}; rename one of them')
        owners[key] = item.label
        found = guard.input_at(path)
        if found is not None:
            overwrites.append((path, found))
        paths.append(path)
    if overwrites:
        shown = '; '.join(f'{out} is the input {inp}'
                          for out, inp in overwrites[:3])
        more = (f' (and {len(overwrites) - 3} more)'
                if len(overwrites) > 3 else '')
        raise InputOverwriteError(
            f'refusing to write into {out_dir}: {len(overwrites)} output(s) '
            f'would replace their inputs ({shown}{more}). Choose an output '
            'folder that holds no inputs, e.g. a new folder such as '
            f'{osp.join(out_dir, "restored")}.')
    return paths
