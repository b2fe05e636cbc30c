"""Checks shared by the paired datasets, raising errors that say what to do.

Folders and files are looked up through ``mmengine.fileio`` (``backend_args``
as in mmseg's datasets), so the checks work on any storage backend.
"""
from typing import Dict, List, Optional, Sequence

from mmengine import fileio

TOY_HINT = (
    'To get data: generate the toy set with `python '
    'tools/dataset_converters/make_toy_cityscapes.py --out '
    'data/toy_cityscapes` and use it as data_root, or set data_root to your '
    'copy of the dataset.')
SYNTH_HINT = (
    ' If you have Cityscapes (with disparity/ and camera/) but not the weather '
    'package, write it with `python tools/dataset_converters/'
    'synthesize_weather.py CITYSCAPES_ROOT`.')


def check_dirs(dataset: str, data_root: str, dirs: Dict[str, str],
               hint: str = TOY_HINT,
               backend_args: Optional[dict] = None) -> None:
    """Raise when the root or one of the folders a dataset reads is missing.

    Args:
        dataset (str): dataset class name, for the message.
        data_root (str): the dataset root.
        dirs (dict[str, str]): name -> folder that must exist.
        hint (str): what the user can do.
        backend_args (dict | None): mmengine file backend arguments.
    """
    if data_root and not fileio.isdir(data_root, backend_args=backend_args):
        raise FileNotFoundError(
            f'{dataset}: data_root {data_root!r} does not exist. {hint}')
    for name, path in dirs.items():
        if not fileio.isdir(path, backend_args=backend_args):
            raise FileNotFoundError(
                f'{dataset}: folder {path!r} ({name}) does not exist under '
                f'data_root {data_root!r}. {hint}')


def check_not_empty(dataset: str, data_root: str, data_list: List[dict],
                    where: str, filters: str = '') -> None:
    """Raise when a split has no samples (never a silent empty epoch).

    Args:
        dataset (str): dataset class name.
        data_root (str): the dataset root.
        data_list (list[dict]): the parsed samples.
        where (str): the folder or list file that was read.
        filters (str): description of active filters, if any.
    """
    if not data_list:
        raise ValueError(
            f'{dataset}: no samples found in {where!r} (data_root '
            f'{data_root!r}){filters}. Check the split, the file-name '
            'pattern and the filters.')


def check_pairs(dataset: str, data_root: str, data_list: List[dict],
                keys: Sequence[str], max_show: int = 5,
                backend_args: Optional[dict] = None) -> None:
    """Raise when inputs lack their ground truth or label files.

    Args:
        dataset (str): dataset class name.
        data_root (str): the dataset root.
        data_list (list[dict]): samples with ``img_path`` and ``keys``.
        keys (Sequence[str]): path keys that must point to existing files,
            e.g. ``('gt_path', 'seg_map_path')``.
        max_show (int): how many missing pairs to list. Defaults to 5.
        backend_args (dict | None): mmengine file backend arguments.
    """
    missing = []
    exists: Dict[str, bool] = {}
    for info in data_list:
        for key in keys:
            path = info.get(key)
            if path not in exists:
                exists[path] = path is not None and fileio.isfile(
                    path, backend_args=backend_args)
            if not exists[path]:
                missing.append((info['img_path'], key, path))
    if missing:
        lines = '\n'.join(f'  {img} -> missing {key}: {path}'
                          for img, key, path in missing[:max_show])
        count = len({img for img, _, _ in missing})
        raise FileNotFoundError(
            f'{dataset} (data_root {data_root!r}): {count} of '
            f'{len(data_list)} inputs lack their {"/".join(keys)} file. '
            f'First {min(max_show, len(missing))}:\n{lines}\nRestore the '
            'missing files or remove those inputs.')
