"""``mofme_mm::`` config paths: the configs shipped inside the package.

mofme_mm ships its configs as mmseg and mmdet do, in ``mofme_mm/.mim/configs``
(copies in a wheel, links to the checkout's configs/ in an editable
install), so a path like ``'mofme_mm::toy/mofme_toy_demo_restorer.py'``
names one of them from any directory:

- :func:`resolve_config` turns such a path into a file; the restorer builder
  uses it (``restorer='mofme_mm::mofme_raincityscapes.py'``).
- :func:`config_argument` is the argparse ``type`` of every tool's config
  argument: the tools accept shipped configs, and a missing config is one
  line of usage error naming it, before anything is built.
- Importing mofme_mm calls :func:`register_with_mmengine`, so that a user's
  config may also say ``_base_ = ['mofme_mm::toy/seg_fcn_toy_cityscapes.py']``
  -- provided mofme_mm is imported before the config is read: mmengine
  reads ``_base_`` before ``custom_imports``. Our tools/*.py (and so
  ``mim train|test mofme_mm``) import it first; with mmseg's or mmdet's
  tools, name the restorer with ``mofme_mm::`` instead (resolved when
  the model is built, after ``custom_imports``). mmengine accepts a
  ``pkg::`` base only inside a folder (``pkg::folder/file.py``).
"""
import argparse
import difflib
import os
import os.path as osp

PREFIX = 'mofme_mm::'
DISTRIBUTION = 'mofme-mm'  # the pip name, as mmengine's MODULE2PACKAGE wants


def installed_configs_dir() -> str:
    """``mofme_mm/.mim/configs`` of the imported package.

    Returns:
        str: The directory (it may be missing in a broken installation).
    """
    package_dir = osp.dirname(osp.dirname(osp.abspath(__file__)))
    return osp.join(package_dir, '.mim', 'configs')


def _config_names(root: str):
    for folder, _, files in os.walk(root, followlinks=True):
        for name in files:
            if name.endswith('.py'):
                yield osp.relpath(osp.join(folder, name), root)


def resolve_config(path: str) -> str:
    """The file a ``mofme_mm::`` config path names; other paths unchanged.

    Args:
        path (str): ``'mofme_mm::<path under configs/>'`` or any other path.

    Returns:
        str: The absolute path of the shipped config, or ``path``.

    Raises:
        FileNotFoundError: The package has no ``.mim/configs`` (say how to
            reinstall it) or no such config (close names listed).
    """
    if not path.startswith(PREFIX):
        return path
    relative = path[len(PREFIX):].lstrip('/')
    root = installed_configs_dir()
    if not osp.isdir(root):
        raise FileNotFoundError(
            f'{path!r}: this mofme_mm installation has no configs ({root} is '
            'missing). Install mofme-mm from a wheel or with pip install -e '
            '. in a checkout (both put configs/ into mofme_mm/.mim), or '
            'name the config by its file path.')
    full = osp.normpath(osp.join(root, relative))
    if not osp.isfile(full):
        close = difflib.get_close_matches(
            relative, sorted(_config_names(root)), n=5, cutoff=0.5)
        raise FileNotFoundError(
            f'{path!r}: mofme_mm ships no config {relative!r} (looked in '
            f'{root})' + (f'; close names: {", ".join(close)}' if close else
                          '') + '. The path is relative to configs/ of the '
            'repository, e.g. mofme_mm::mofme_raincityscapes.py.')
    return full


def config_argument(path: str) -> str:
    """argparse ``type`` of the tools' config arguments: an existing file.

    Args:
        path (str): The value given on the command line, a file path or a
            ``mofme_mm::`` path.

    Returns:
        str: The config file (shipped configs resolved to their file).

    Raises:
        argparse.ArgumentTypeError: No such config; argparse prints the
            message on one line with the argument's name and exits with 2.
    """
    try:
        resolved = resolve_config(path)
    except FileNotFoundError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    if not osp.isfile(resolved):
        raise argparse.ArgumentTypeError(
            f'config {path!r} does not exist: pass a config file such as '
            'configs/mofme_raincityscapes.py, or a shipped one as '
            'mofme_mm::<path under configs/>')
    return resolved


def register_with_mmengine() -> None:
    """Let mmengine resolve ``_base_ = ['mofme_mm::folder/file.py']``.

    mmengine resolves ``pkg::`` config paths only for the packages in its
    ``MODULE2PACKAGE`` table (module name -> pip name); this adds ours,
    leaving an existing entry alone.
    """
    from mmengine.config.utils import MODULE2PACKAGE
    MODULE2PACKAGE.setdefault(PREFIX[:-2], DISTRIBUTION)
