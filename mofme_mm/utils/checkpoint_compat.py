"""Load the checkpoints that mmengine writes on torch >= 2.6, without
giving up the protection that ``weights_only`` was introduced for.

torch 2.6 made ``torch.load(weights_only=True)`` the default. mmengine 0.10.7
never passes ``weights_only``, and its checkpoints hold a ``message_hub`` with
``HistoryBuffer`` objects, numpy arrays and scalars, and references to
``HistoryBuffer``'s statistics methods pickled as ``getattr(HistoryBuffer,
'mean')``. torch's safe unpickler refuses these, so ``load_from``,
``--resume`` and ``init_cfg=dict(type='Pretrained')`` fail with an
``UnpicklingError``. Allowing ``getattr`` in torch's allow-list would open
everything reachable through attributes, so instead mmengine's loader for
local files is replaced by one that unpickles with an allow-list: torch's own
safe globals, the ones registered with ``torch.serialization.add_safe_globals``,
numpy arrays/scalars, ``HistoryBuffer``, and ``getattr`` limited to public
attributes of ``HistoryBuffer``. Anything else is refused with an error that
names the file and the offending global; only for a global that looks like
a data type of a harmless module does it mention
``torch.serialization.add_safe_globals`` (never for ``os.system`` and the
like: a checkpoint never needs to call them, a malicious file does).

A file that is not a checkpoint at all (an image, a text file, an empty or
truncated file) fails with one line that names the file and what it is.
"""
import os.path as osp
import pickle
import types

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader


def _numpy_globals() -> dict:
    multiarray = (np._core if hasattr(np, '_core') else np.core).multiarray
    allowed = {
        'numpy.ndarray': np.ndarray,
        'numpy.dtype': np.dtype,
    }
    for module in ('numpy.core.multiarray', 'numpy._core.multiarray'):
        allowed[f'{module}._reconstruct'] = multiarray._reconstruct
        allowed[f'{module}.scalar'] = multiarray.scalar
    dtypes = getattr(np, 'dtypes', None)  # numpy >= 1.25 pickles dtype classes
    if dtypes is not None:
        for name in dir(dtypes):
            if name.endswith('DType'):
                allowed[f'numpy.dtypes.{name}'] = getattr(dtypes, name)
    return allowed


class _RefusedGlobal(pickle.UnpicklingError):
    """A global the checkpoint unpickler does not resolve."""


# Modules whose globals run code or reach the system: a checkpoint never
# needs them, so the error never suggests allowing them.
UNSAFE_MODULES = frozenset((
    'os', 'posix', 'nt', 'posixpath', 'ntpath', 'subprocess', 'sys',
    'builtins', '__builtin__', 'shutil', 'socket', 'importlib', 'runpy',
    'pty', 'commands', 'types', 'ctypes', 'code', 'codeop', 'pickle',
    '_pickle', 'marshal', 'operator', 'functools', 'pdb', 'webbrowser',
    'asyncio', 'multiprocessing', 'threading', 'signal', 'platform', 'io',
    '_io', 'tempfile', 'pathlib', 'glob', 'urllib', 'http', 'inspect',
    'timeit', 'trace', 'cProfile', 'profile', 'sqlite3', 'zipimport', 'ssl',
    'requests', 'numpy.f2py', 'numpy.testing', 'torch.hub', 'torch.jit',
    'torch._C'))


def _is_unsafe(module: str) -> bool:
    parts = module.split('.')
    return any('.'.join(parts[:i]) in UNSAFE_MODULES
               for i in range(1, len(parts) + 1))


def refusal_message(key: str) -> str:
    """Why the global ``key`` (``module.name``) is refused, and what to do.

    Args:
        key (str): The pickled global, e.g. ``posix.system``.

    Returns:
        str: One sentence; it suggests ``add_safe_globals`` only for a
        class-like name outside :data:`UNSAFE_MODULES`.
    """
    module, _, name = key.rpartition('.')
    if _is_unsafe(module) or not name[:1].isupper():
        return (f'unpickling it would call {key}, which no checkpoint needs '
                '(a file that does this may be malicious); do not load it '
                'unless you know who made it and why.')
    return (f'it needs the type {key}, which mofme_mm does not load; if you '
            f'trust the file and {key} is a plain data type, register it '
            'with torch.serialization.add_safe_globals([...]) first.')


def _history_buffer_getattr(obj, name: str):
    """``getattr`` restricted to the public attributes of ``HistoryBuffer``."""
    if obj is HistoryBuffer and isinstance(name, str) and not name.startswith('_'):
        return getattr(obj, name)
    raise _RefusedGlobal(
        f'unpickling it would call getattr({obj!r}, {name!r}); only public '
        'attributes of HistoryBuffer are allowed in a checkpoint.')


def _allowed_globals() -> dict:
    from torch._weights_only_unpickler import _get_allowed_globals

    allowed = dict(_get_allowed_globals())
    for item in torch.serialization.get_safe_globals():
        obj = item[0] if isinstance(item, tuple) else item
        allowed[f'{obj.__module__}.{obj.__qualname__}'] = obj
    allowed.update(_numpy_globals())
    allowed['mmengine.logging.history_buffer.HistoryBuffer'] = HistoryBuffer
    allowed['builtins.getattr'] = _history_buffer_getattr
    allowed['__builtin__.getattr'] = _history_buffer_getattr
    return allowed


class _CheckpointUnpickler(pickle.Unpickler):
    """Unpickler that only resolves the globals of ``_allowed_globals``."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._allowed = _allowed_globals()  # once per file, not per global

    def find_class(self, module: str, name: str):
        key = f'{module}.{name}'
        if key in self._allowed:
            return self._allowed[key]
        raise _RefusedGlobal(refusal_message(key))


# torch.load takes any module-like object with an ``Unpickler`` and a ``load``
checkpoint_pickle = types.SimpleNamespace(
    __name__='mofme_mm_checkpoint_pickle',
    Unpickler=_CheckpointUnpickler,
    load=lambda file, **kwargs: _CheckpointUnpickler(file, **kwargs).load(),
)


# leading bytes of files that are often passed by mistake
_FILE_KINDS = (
    (b'\x89PNG', 'a PNG image'), (b'\xff\xd8\xff', 'a JPEG image'),
    (b'GIF8', 'a GIF image'), (b'RIFF', 'a RIFF file (AVI video / WAV)'),
    (b'\x1a\x45\xdf\xa3', 'a Matroska / WebM video'),
    (b'%PDF', 'a PDF document'), (b'\x1f\x8b', 'a gzip archive'),
    (b'\x93NUMPY', 'a numpy .npy array'))
_ZIP = b'PK\x03\x04'  # torch.save's format since torch 1.6
_PICKLE = 0x80  # the legacy format starts with a pickle protocol opcode
_WHAT_TO_PASS = ('pass the .pth file that tools/train.py wrote '
                 '(work_dirs/<config>/epoch_N.pth or iter_N.pth).')


def _not_a_checkpoint(filename: str) -> str:
    """Say what the file is when it cannot be a torch checkpoint, or ''."""
    with open(filename, 'rb') as f:
        head = f.read(64)
    if not head:
        return 'it is empty (0 bytes)'
    if head.startswith(_ZIP) or head[0] == _PICKLE:
        return ''
    if head[4:8] == b'ftyp':
        return 'it is an MP4 / MOV video'
    for magic, kind in _FILE_KINDS:
        if head.startswith(magic):
            return f'it is {kind}'
    try:
        head.decode('utf-8')
        return 'it is a text file'
    except UnicodeDecodeError:
        return 'it is not in torch\'s checkpoint format'


def load_checkpoint_file(filename: str, map_location=None) -> dict:
    """Load a local checkpoint written by mmengine (or a plain state dict).

    Args:
        filename (str): Path of the checkpoint file.
        map_location (str | torch.device | None): Passed to ``torch.load``.

    Returns:
        dict: The unpickled checkpoint.

    Raises:
        FileNotFoundError: The file does not exist.
        pickle.UnpicklingError: The file is not a checkpoint (an image, an
            empty or truncated file), or it needs a global that is refused;
            the one-line message names the file.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(
            f'Checkpoint "{filename}" does not exist: check the path given to '
            'load_from, --resume or init_cfg.checkpoint.')
    kind = _not_a_checkpoint(filename)
    if kind:
        raise pickle.UnpicklingError(
            f'"{filename}" is not a checkpoint: {kind}; {_WHAT_TO_PASS}')
    try:
        return torch.load(
            filename,
            map_location=map_location,
            weights_only=False,
            pickle_module=checkpoint_pickle)
    except _RefusedGlobal as error:
        raise pickle.UnpicklingError(
            f'Refusing to load "{filename}": {error}') from None
    except (EOFError, pickle.UnpicklingError) as error:
        raise pickle.UnpicklingError(
            f'"{filename}" is not a readable checkpoint (truncated or '
            f'damaged: {error}); {_WHAT_TO_PASS}') from None
    except RuntimeError as error:
        if 'PytorchStreamReader' not in str(error):
            raise
        reason = str(error).splitlines()[0]
        raise pickle.UnpicklingError(
            f'"{filename}" is not a readable checkpoint (truncated or '
            f'damaged: {reason}); {_WHAT_TO_PASS}') from None


def allow_mmengine_checkpoints() -> None:
    """Make mmengine load local checkpoints with :func:`load_checkpoint_file`."""
    CheckpointLoader.register_scheme(prefixes='', force=True)(
        load_checkpoint_file)


allow_mmengine_checkpoints()
