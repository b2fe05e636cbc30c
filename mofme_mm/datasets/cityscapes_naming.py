"""File names of Cityscapes and its weather versions, in one place.

The real packages name their files as follows (``frame_id`` is
``{city}_{seq:06d}_{frame:06d}``, e.g. ``aachen_000000_000019``)::

    leftImg8bit/{split}/{city}/{frame_id}_leftImg8bit.png
    gtFine/{split}/{city}/{frame_id}_gtFine_labelTrainIds.png
    gtFine/{split}/{city}/{frame_id}_gtFine_labelIds.png
    gtFine/{split}/{city}/{frame_id}_gtFine_instanceIds.png
    gtFine/{split}/{city}/{frame_id}_gtFine_polygons.json
    annotations/instancesonly_filtered_gtFine_{split}.json   (mmdet's converter)
    disparity/{split}/{city}/{frame_id}_disparity.png
    camera/{split}/{city}/{frame_id}_camera.json
    leftImg8bit_rain/{split}/{city}/{frame_id}_leftImg8bit_rain_alpha_{a}_beta_{b}_dropsize_{s}_pattern_{p}.png
    leftImg8bit_foggy/{split}/{city}/{frame_id}_leftImg8bit_foggy_beta_{beta}.png

The synthesiser writes these names and the datasets parse them, both through
the functions below. Folders and lists are read through ``mmengine.fileio``
(``backend_args`` as in mmseg's datasets), so a root may be on any storage
mmengine has a backend for (local disk, ``s3://`` / ``petrel://``, a backend
of your own registered with ``mmengine.fileio.register_backend``).
"""  # noqa: E501
import math
import os.path as osp
import re
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from mmengine import fileio

CLEAN_DIR = 'leftImg8bit'
LABEL_DIR = 'gtFine'
DISPARITY_DIR = 'disparity'
CAMERA_DIR = 'camera'
RAIN_DIR = 'leftImg8bit_rain'
FOG_DIR = 'leftImg8bit_foggy'

CLEAN_SUFFIX = '_leftImg8bit.png'
LABEL_SUFFIX = '_gtFine_labelTrainIds.png'
DISPARITY_SUFFIX = '_disparity.png'
CAMERA_SUFFIX = '_camera.json'
LABEL_IDS_SUFFIX = '_gtFine_labelIds.png'
INSTANCE_IDS_SUFFIX = '_gtFine_instanceIds.png'
POLYGONS_SUFFIX = '_gtFine_polygons.json'
# COCO json of the clean frames written by mmdet's
# tools/dataset_converters/cityscapes.py (relative to the dataset root).
COCO_ANN_FILE = 'annotations/instancesonly_filtered_gtFine_{split}.json'

# (alpha, beta, dropsize) triples of RainCityscapes, patterns 1..12.
RAIN_PARAMS: Tuple[Tuple[float, float, float], ...] = (
    (0.01, 0.005, 0.01), (0.02, 0.01, 0.005), (0.03, 0.015, 0.002))
RAIN_PATTERNS: Tuple[int, ...] = tuple(range(1, 13))
# Attenuation coefficients of Foggy Cityscapes (visibility ~600/300/150 m).
FOG_BETAS: Tuple[float, ...] = (0.005, 0.01, 0.02)

_NUM = r'[0-9]+(?:\.[0-9]+)?(?:e-?[0-9]+)?'
RAIN_NAME_RE = re.compile(
    rf'^(?P<frame_id>.+)_leftImg8bit_rain_alpha_(?P<alpha>{_NUM})'
    rf'_beta_(?P<beta>{_NUM})_dropsize_(?P<dropsize>{_NUM})'
    r'_pattern_(?P<pattern>[0-9]+)\.png$')
FOG_NAME_RE = re.compile(
    rf'^(?P<frame_id>.+)_leftImg8bit_foggy_beta_(?P<beta>{_NUM})\.png$')


def format_param(value: float) -> str:
    """Write a weather parameter the way the real file names do.

    Args:
        value (float): e.g. ``0.01`` or ``0.005``.

    Returns:
        str: ``'0.01'``, ``'0.005'``...
    """
    return f'{float(value):g}'


def rain_image_name(frame_id: str, alpha: float, beta: float,
                    dropsize: float, pattern: int) -> str:
    """Name of a RainCityscapes image."""
    return (f'{frame_id}_leftImg8bit_rain_alpha_{format_param(alpha)}'
            f'_beta_{format_param(beta)}_dropsize_{format_param(dropsize)}'
            f'_pattern_{int(pattern)}.png')


def fog_image_name(frame_id: str, beta: float) -> str:
    """Name of a Foggy Cityscapes image."""
    return f'{frame_id}_leftImg8bit_foggy_beta_{format_param(beta)}.png'


def parse_rain_name(name: str) -> Optional[dict]:
    """Parse a RainCityscapes file name.

    Args:
        name (str): base name of the file.

    Returns:
        dict | None: ``frame_id``, ``alpha``, ``beta``, ``dropsize`` (floats)
        and ``pattern`` (int), or None when ``name`` is not a rain image.
    """
    match = RAIN_NAME_RE.match(name)
    if match is None:
        return None
    info = match.groupdict()
    return dict(
        frame_id=info['frame_id'], alpha=float(info['alpha']),
        beta=float(info['beta']), dropsize=float(info['dropsize']),
        pattern=int(info['pattern']))


def parse_fog_name(name: str) -> Optional[dict]:
    """Parse a Foggy Cityscapes file name into ``frame_id`` and ``beta``."""
    match = FOG_NAME_RE.match(name)
    if match is None:
        return None
    return dict(frame_id=match['frame_id'], beta=float(match['beta']))


def city_of(frame_id: str) -> str:
    """City of a frame id: ``'aachen_000000_000019'`` -> ``'aachen'``."""
    return frame_id.rsplit('_', 2)[0]


def frame_file(root: str, folder: str, split: str, frame_id: str,
               suffix: str) -> str:
    """Path of a per-frame file, e.g. the clean image or the label."""
    return osp.join(root, folder, split, city_of(frame_id), frame_id + suffix)


def list_files(directory: str, suffix: str = '.png',
               backend_args: Optional[dict] = None) -> List[str]:
    """All files under ``directory`` ending in ``suffix``, sorted.

    Hidden files (``.name``, e.g. the temporary files of an interrupted
    write) are skipped, as ``mmengine.fileio.list_dir_or_file`` does.

    Args:
        directory (str): folder to walk recursively (a path or URI).
        suffix (str): file-name ending. Defaults to ``'.png'``.
        backend_args (dict | None): mmengine file backend arguments.
            Defaults to None (the backend of the path's prefix).

    Returns:
        list[str]: ``directory`` joined with each file's relative path,
        sorted; empty when ``directory`` does not exist.
    """
    if not fileio.isdir(directory, backend_args=backend_args):
        return []
    found = fileio.list_dir_or_file(directory, list_dir=False, suffix=suffix,
                                    recursive=True, backend_args=backend_args)
    return sorted(osp.join(directory, name) for name in found)


def _matches(value: float, wanted: Iterable[float]) -> bool:
    return any(math.isclose(value, w, rel_tol=1e-6, abs_tol=1e-9)
               for w in wanted)


def scan_rain_images(
    rain_dir: str,
    params: Optional[Sequence[Sequence[float]]] = None,
    patterns: Optional[Sequence[int]] = None,
    backend_args: Optional[dict] = None,
) -> List[dict]:
    """Find the rainy images under a split folder, optionally filtered.

    Args:
        rain_dir (str): e.g. ``{root}/leftImg8bit_rain/train``.
        params (Sequence[tuple] | None): ``(alpha, beta, dropsize)`` triples
            to keep; None keeps all.
        patterns (Sequence[int] | None): patterns to keep; None keeps all.
        backend_args (dict | None): mmengine file backend arguments.

    Returns:
        list[dict]: one dict per image: ``img_path``, ``frame_id``, ``city``,
        ``alpha``, ``beta``, ``dropsize``, ``pattern``.
    """
    found = []
    for path in list_files(rain_dir, backend_args=backend_args):
        info = parse_rain_name(osp.basename(path))
        if info is None:
            continue
        if params is not None and not any(
                _matches(info['alpha'], [p[0]]) and _matches(
                    info['beta'], [p[1]]) and _matches(info['dropsize'],
                                                       [p[2]])
                for p in params):
            continue
        if patterns is not None and info['pattern'] not in set(patterns):
            continue
        found.append(dict(img_path=path, city=city_of(info['frame_id']),
                          **info))
    return found


def scan_fog_images(fog_dir: str,
                    betas: Optional[Sequence[float]] = None,
                    backend_args: Optional[dict] = None) -> List[dict]:
    """Find the foggy images under a split folder, optionally by beta.

    Args:
        fog_dir (str): e.g. ``{root}/leftImg8bit_foggy/train``.
        betas (Sequence[float] | None): betas to keep; None keeps all.
        backend_args (dict | None): mmengine file backend arguments.

    Returns:
        list[dict]: ``img_path``, ``frame_id``, ``city``, ``beta`` per image.
    """
    found = []
    for path in list_files(fog_dir, backend_args=backend_args):
        info = parse_fog_name(osp.basename(path))
        if info is None:
            continue
        if betas is not None and not _matches(info['beta'], betas):
            continue
        found.append(dict(img_path=path, city=city_of(info['frame_id']),
                          **info))
    return found


def read_text_lines(path: str, what: str, fix: str,
                    backend_args: Optional[dict] = None) -> List[str]:
    """The lines of a list file, read through ``mmengine.fileio``.

    Args:
        path (str): the file (a path or URI).
        what (str): what the file is, for the error message.
        fix (str): what the user can do when it is missing.
        backend_args (dict | None): mmengine file backend arguments.

    Returns:
        list[str]: the lines, without line endings.

    Raises:
        FileNotFoundError: naming the file, ``what`` it is and ``fix``.
    """
    if not fileio.isfile(path, backend_args=backend_args):
        raise FileNotFoundError(f'{what} not found: {path}. {fix}')
    return fileio.get_text(path, backend_args=backend_args).splitlines()


def read_refined_list(path: str,
                      backend_args: Optional[dict] = None) -> Dict[str, set]:
    """Read ``foggy_trainval_refined_filenames.txt``.

    Args:
        path (str): the list; lines like ``train/aachen/aachen_000004_000019``.
        backend_args (dict | None): mmengine file backend arguments.

    Returns:
        dict[str, set]: split -> set of frame ids.
    """
    lines = read_text_lines(
        path, 'Refined Foggy Cityscapes list',
        'It ships with Foggy Cityscapes (foggy_trainval_refined_filenames.txt)'
        '; put it in data_root or set refined_list=None to use all images.',
        backend_args)
    splits: Dict[str, set] = {}
    for lineno, line in enumerate(lines, 1):
        line = line.strip()
        if not line:
            continue
        parts = line.replace('\\', '/').split('/')
        if len(parts) != 3:
            raise ValueError(
                f'{path}, line {lineno}: expected "split/city/frame_id", '
                f'got {line!r}')
        splits.setdefault(parts[0], set()).add(parts[2])
    return splits
