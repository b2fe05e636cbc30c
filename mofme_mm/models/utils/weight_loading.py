"""Load weights strictly: every key matched and every shape equal, or an
error that names the keys that do not match.

mmengine loads ``load_from`` and ``init_cfg`` checkpoints with
``strict=False``: a checkpoint of another model (no matching keys) or of
another architecture (8 experts where the config has 4) loads "fine" and
the run reports numbers for initial weights. The functions here are what the
project's tools and restorer builder use instead; partial loading is an
explicit opt-out (``strict=False``), and even then every key that did not
load is listed.
"""
import contextlib
import contextvars
import logging
from collections import OrderedDict
from typing import Iterator, List, Mapping, NamedTuple, Optional, Tuple

import torch
import torch.nn as nn
from mmengine.logging import print_log

SHOWN_KEYS = 6  # keys listed per kind of problem; the rest are counted
_PARTIAL = contextvars.ContextVar('mofme_mm_partial_loading', default=False)


class WeightLoadingError(RuntimeError):
    """Weights that do not fit the model they are loaded into."""


class KeyProblems(NamedTuple):
    """What keeps a state dict from fitting a model exactly."""

    missing: List[str]
    unexpected: List[str]
    mismatched: List[Tuple[str, tuple, tuple]]  # key, given shape, model's

    def __bool__(self) -> bool:
        return bool(self.missing or self.unexpected or self.mismatched)


def partial_loading_allowed() -> bool:
    """Whether a :func:`load_state_dict_checked` call with ``strict=False``
    is running (load hooks that check parts of a model read it)."""
    return _PARTIAL.get()


@contextlib.contextmanager
def _partial_loading(allowed: bool) -> Iterator[None]:
    token = _PARTIAL.set(allowed)
    try:
        yield
    finally:
        _PARTIAL.reset(token)


def _ignored(key: str) -> bool:
    # BN counters: absent from old checkpoints, harmless (as mmengine does)
    return key.endswith('num_batches_tracked')


def find_key_problems(expected: Mapping[str, torch.Tensor],
                      given: Mapping[str, torch.Tensor]) -> KeyProblems:
    """Compare a model's state dict with the one to be loaded into it.

    Args:
        expected (Mapping): The model's ``state_dict()``.
        given (Mapping): The weights to load.

    Returns:
        KeyProblems: Missing, unexpected and mis-shaped keys.
    """
    missing = [k for k in expected if k not in given and not _ignored(k)]
    unexpected = [k for k in given if k not in expected]
    mismatched = [(k, tuple(v.shape), tuple(expected[k].shape))
                  for k, v in given.items()
                  if k in expected and isinstance(v, torch.Tensor)
                  and tuple(v.shape) != tuple(expected[k].shape)]
    return KeyProblems(missing, unexpected, mismatched)


def _listed(keys: List[str]) -> str:
    shown = ', '.join(keys[:SHOWN_KEYS])
    more = len(keys) - SHOWN_KEYS
    return shown + (f' ... and {more} more' if more > 0 else '')


def _prefix_hint(model_keys: List[str], given_keys: List[str]) -> str:
    """Spot weights stored under an extra or missing prefix."""
    if not model_keys or not given_keys:
        return ''
    model_set, given_set = set(model_keys), set(given_keys)
    probe = model_keys[0]
    for key in given_keys:  # checkpoint keys = PREFIX + model keys?
        if key.endswith('.' + probe):
            prefix = key[:-len(probe)]
            if all(prefix + k in given_set for k in model_keys
                   if not _ignored(k)):
                return (f' The checkpoint holds these weights under the '
                        f'prefix "{prefix}" (a checkpoint of a model that '
                        'contains this one?).')
    probe = given_keys[0]
    for key in model_keys:  # model keys = PREFIX + checkpoint keys?
        if key.endswith('.' + probe):
            prefix = key[:-len(probe)]
            if all(prefix + k in model_set for k in given_keys):
                return (f' The checkpoint holds the weights of the part '
                        f'"{prefix}" only (a checkpoint of a sub-model?).')
    return ''


def describe_key_problems(problems: KeyProblems, model_keys: List[str],
                          given_keys: List[str]) -> str:
    """One paragraph naming the keys that do not match.

    Args:
        problems (KeyProblems): From :func:`find_key_problems`.
        model_keys (list[str]): Keys of the model.
        given_keys (list[str]): Keys of the weights.

    Returns:
        str: e.g. ``2 wrong shapes: a (8, 16) in the checkpoint vs (4, 16)
        in the model, ...; 3 missing: ...; 1 unexpected: ...``.
    """
    parts = []
    if problems.mismatched:
        shapes = [f'{k} {tuple(g)} in the checkpoint vs {tuple(m)} in the '
                  'model' for k, g, m in problems.mismatched]
        parts.append(f'{len(shapes)} with a wrong shape: {_listed(shapes)}')
    if problems.missing:
        parts.append(f'{len(problems.missing)} missing from the checkpoint: '
                     f'{_listed(problems.missing)}')
    if problems.unexpected:
        parts.append(f'{len(problems.unexpected)} unexpected (not in the '
                     f'model): {_listed(problems.unexpected)}')
    text = '; '.join(parts) + '.'
    matched = set(model_keys) & set(given_keys)
    if given_keys and not matched:
        text += (f' None of the {len(given_keys)} checkpoint keys is a key '
                 f'of the model (checkpoint: {_listed(given_keys[:3])}; '
                 f'model: {_listed(model_keys[:3])}).')
        text += _prefix_hint(model_keys, given_keys)
    return text


def state_dict_of(checkpoint, source: str) -> 'OrderedDict[str, torch.Tensor]':
    """The model weights of a loaded checkpoint.

    Args:
        checkpoint: What ``torch.load`` returned: an mmengine checkpoint
            (``dict(state_dict=..., meta=...)``) or a bare state dict.
        source (str): The file, for error messages.

    Returns:
        OrderedDict: The weights, with DDP's ``module.`` prefix removed.
    """
    state = checkpoint
    if isinstance(checkpoint, Mapping) and 'state_dict' in checkpoint:
        state = checkpoint['state_dict']
    if not isinstance(state, Mapping) or not state or not all(
            isinstance(k, str) and isinstance(v, torch.Tensor)
            for k, v in state.items()):
        found = (f'a dict with keys {_listed(sorted(map(str, state)))}'
                 if isinstance(state, Mapping) and state else
                 f'{type(state).__name__} {state!r}'[:80])
        raise WeightLoadingError(
            f'"{source}" holds no model weights (an mmengine checkpoint '
            f'with a state_dict, or a state dict of tensors): found {found}.')
    weights = OrderedDict(
        (k[len('module.'):] if k.startswith('module.') else k, v)
        for k, v in state.items())
    metadata = getattr(state, '_metadata', None)
    if metadata is not None:
        weights._metadata = metadata
    return weights


def read_state_dict(filename: str) -> 'OrderedDict[str, torch.Tensor]':
    """Read the weights of a checkpoint file (on the CPU).

    Args:
        filename (str): A local path or any URI mmengine can load.

    Returns:
        OrderedDict: See :func:`state_dict_of`.
    """
    from mmengine.runner import CheckpointLoader
    checkpoint = CheckpointLoader.load_checkpoint(filename, map_location='cpu')
    return state_dict_of(checkpoint, filename)


def load_state_dict_checked(module: nn.Module,
                            state_dict: Mapping[str, torch.Tensor],
                            source: str,
                            strict: bool = True,
                            hint: Optional[str] = None) -> KeyProblems:
    """Load ``state_dict`` into ``module``; refuse weights that do not fit.

    The module's load hooks run as in ``nn.Module.load_state_dict`` (they
    may rename keys or excuse missing ones), so what is reported is what
    really did not load. Missing BN ``num_batches_tracked`` counters are not
    reported.

    Args:
        module (nn.Module): The model (not a DDP wrapper).
        state_dict (Mapping): The weights.
        source (str): Where they come from, for the messages.
        strict (bool): Raise on any missing, unexpected or mis-shaped key.
            False loads what fits and logs a warning naming the rest.
            Defaults to True.
        hint (str, optional): What to do, appended to the error.

    Returns:
        KeyProblems: What did not load (empty when strict).
    """
    own = module.state_dict()
    mismatched = find_key_problems(own, state_dict).mismatched
    name = type(module).__name__
    advice = f' {hint}' if hint else ''
    if mismatched and strict:
        problems = KeyProblems([], [], mismatched)
        raise WeightLoadingError(
            f'The weights in "{source}" do not fit the {name}: '
            f'{describe_key_problems(problems, list(own), list(state_dict))}'
            f' Was the checkpoint written for another architecture?'
            f'{advice}')
    skipped = {k for k, _, _ in mismatched}
    loadable = OrderedDict(
        (k, v) for k, v in state_dict.items() if k not in skipped)
    metadata = getattr(state_dict, '_metadata', None)
    if metadata is not None:
        loadable._metadata = metadata
    with _partial_loading(not strict):
        result = module.load_state_dict(loadable, strict=False)
    problems = KeyProblems(
        [k for k in result.missing_keys
         if not _ignored(k) and k not in skipped],
        list(result.unexpected_keys), mismatched)
    if problems:
        text = (f'The weights in "{source}" do not fit the {name}: '
                f'{describe_key_problems(problems, list(own), list(state_dict))}')
        if strict:
            raise WeightLoadingError(text + advice)
        print_log(text + ' Loaded the rest (non-strict loading).',
                  logger='current', level=logging.WARNING)
    return problems

