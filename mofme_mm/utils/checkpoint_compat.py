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
names the offending global.
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


def _history_buffer_getattr(obj, name: str):
    """``getattr`` restricted to the public attributes of ``HistoryBuffer``."""
    if obj is HistoryBuffer and isinstance(name, str) and not name.startswith('_'):
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'Refusing getattr({obj!r}, {name!r}) while loading a checkpoint: '
        'only public attributes of HistoryBuffer are allowed.')


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
        raise pickle.UnpicklingError(
            f'The checkpoint needs the global "{key}", which mofme_mm does not '
            'load. If you trust the file, register the type with '
            'torch.serialization.add_safe_globals([...]) before loading it.')


# torch.load takes any module-like object with an ``Unpickler`` and a ``load``
checkpoint_pickle = types.SimpleNamespace(
    __name__='mofme_mm_checkpoint_pickle',
    Unpickler=_CheckpointUnpickler,
    load=lambda file, **kwargs: _CheckpointUnpickler(file, **kwargs).load(),
)


def load_checkpoint_file(filename: str, map_location=None) -> dict:
    """Load a local checkpoint written by mmengine (or a plain state dict).

    Args:
        filename (str): Path of the checkpoint file.
        map_location (str | torch.device | None): Passed to ``torch.load``.

    Returns:
        dict: The unpickled checkpoint.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(
            f'Checkpoint "{filename}" does not exist: check the path given to '
            'load_from, --resume or init_cfg.checkpoint.')
    return torch.load(
        filename,
        map_location=map_location,
        weights_only=False,
        pickle_module=checkpoint_pickle)


def allow_mmengine_checkpoints() -> None:
    """Make mmengine load local checkpoints with :func:`load_checkpoint_file`."""
    CheckpointLoader.register_scheme(prefixes='', force=True)(
        load_checkpoint_file)


allow_mmengine_checkpoints()
