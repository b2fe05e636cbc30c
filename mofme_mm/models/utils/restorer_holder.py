"""What every module that holds a deweathering restorer shares.

A holder (the deweathering data preprocessors, ``DeweatherBackbone``) sits
inside an mmseg / mmdet model and keeps a restorer at ``<holder>.restorer``.
:class:`RestorerHolderMixin` gives it three guarantees:

- Trained weights or an explicit choice: the restorer's weights come from
  ``restorer_checkpoint``, from a module passed in, or from a model
  checkpoint that carries them under ``<holder>.restorer.*`` (what
  ``tools/train.py`` saves for a downstream model); otherwise the first
  load or forward raises, unless ``untrained_restorer=True``.
- Strict weights: restorer weights carried by a model checkpoint must fit
  the restorer exactly (keys and shapes), and a model checkpoint WITHOUT
  them (a plain segmentor's) does not report the restorer's keys as missing
  when the restorer has its own weights, so a correct run is quiet.
- End-to-end losses: when the restorer trains, its load-balance and
  uncertainty losses (Eq. 11 weights) reach the downstream model's loss
  dict through :func:`attach_restorer_aux_losses` (the
  ``RestorerAuxLossHook`` calls it); training without a collector is an
  error, not a silent omission.
"""
import contextlib
import logging
from collections import OrderedDict
from typing import Dict, Iterator, List, Optional, Union

import torch
import torch.nn as nn
from mmengine.logging import print_log

from mofme_mm.models.restorers.precision import check_precision

from .aux_losses import recording_network_losses, weighted_aux_losses
from .deweather import build_restorer, freeze_module
from .weight_loading import (
    WeightLoadingError,
    describe_key_problems,
    find_key_problems,
    partial_loading_allowed,
)

HOOK_CFG = "custom_hooks = [dict(type='mofme_mm.RestorerAuxLossHook')]"


def _flag(owner: str, name: str, value) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f'{owner}.{name} must be True or False, got '
                        f'{value!r} ({type(value).__name__}).')
    return value


class RestorerHolderMixin:
    """Holds ``self.restorer``: checked weights, freezing, aux losses.

    Mix it in before the ``nn.Module`` base and call
    :meth:`_init_restorer_holder` after the base ``__init__``; run every
    restoration inside :meth:`_restoring`.
    """

    #: Where the holder sits in a config (for error messages).
    holder_key = 'model.data_preprocessor'

    def _init_restorer_holder(self,
                              restorer: Union[str, dict, nn.Module],
                              restorer_checkpoint: Optional[str] = None,
                              trainable: bool = False,
                              untrained_restorer: bool = False,
                              restorer_aux_losses: bool = True,
                              precision: Optional[str] = None) -> None:
        """Build the restorer and set up its checks.

        Args:
            restorer (str | dict | nn.Module): Restorer config file, model
                dict or module.
            restorer_checkpoint (str, optional): Checkpoint of the restorer,
                loaded strictly.
            trainable (bool): Train the restorer with the downstream model;
                False freezes it (eval mode, no gradients).
            untrained_restorer (bool): Allow a restorer without trained
                weights (tests, training from scratch end to end).
            restorer_aux_losses (bool): When trainable, add the restorer's
                weighted aux losses to the downstream loss.
            precision (str, optional): 'fp32', 'bf16' or 'fp16': sets the
                restorer's ``test_cfg.precision`` (the autocast dtype of its
                ``restore``); None keeps the restorer config's.
        """
        key = self.holder_key
        self.trainable = _flag(key, 'trainable', trainable)
        self.untrained_restorer = _flag(key, 'untrained_restorer',
                                        untrained_restorer)
        self.restorer_aux_losses = _flag(key, 'restorer_aux_losses',
                                         restorer_aux_losses)
        self.restorer = build_restorer(restorer, restorer_checkpoint)
        if precision is not None:
            check_precision(precision, f'{key}.precision')
            if not hasattr(self.restorer, 'set_precision'):
                raise TypeError(
                    f'{key}.precision needs a restorer with a test_cfg (a '
                    f'DeweatherRestorer), got {type(self.restorer).__name__}.')
            self.restorer.set_precision(precision)
        if restorer_checkpoint is not None:
            self._restorer_weights = (
                f'restorer_checkpoint "{restorer_checkpoint}"')
        elif isinstance(restorer, nn.Module):
            self._restorer_weights = 'the restorer module passed in'
        else:
            self._restorer_weights = None
        self._load_prefix = ''
        self._carried_restorer = False
        self._pending_aux_losses = None
        self._aux_collector = False
        self._warned_uncollected = False
        if not self.trainable:
            freeze_module(self.restorer)
        self.register_load_state_dict_pre_hook(_check_carried_restorer)
        self.register_load_state_dict_post_hook(_excuse_restorer_keys)

    def train(self, mode: bool = True):
        """Set train mode, keeping a frozen restorer in eval mode."""
        super().train(mode)
        if not self.trainable:
            self.restorer.eval()
        return self

    @property
    def restorer_weights(self) -> Optional[str]:
        """Where the restorer's weights came from (None: initial weights)."""
        return self._restorer_weights

    def _untrained_message(self, loading: bool) -> str:
        key = self.holder_key
        carried = f'{self._load_prefix}restorer.*'
        where = (f'and the checkpoint being loaded has no "{carried}" '
                 'weights' if loading else
                 'and no model checkpoint carrying its weights was loaded')
        return (
            f'The deweathering restorer in {key} has no trained weights: '
            f'{key}.restorer_checkpoint is None {where}, so it would restore '
            'with random weights. Give its checkpoint (tools/train.py and '
            'tools/test.py: --cfg-options restorer_checkpoint=MOFME.pth; any '
            f'tool: --cfg-options {key}.restorer_checkpoint=MOFME.pth), load '
            'a model checkpoint that carries the restorer, or set '
            f'{key}.untrained_restorer=True to use an untrained restorer on '
            'purpose.')

    def check_restorer_weights(self) -> None:
        """Raise unless the restorer has weights or untrained is allowed."""
        if self._restorer_weights is None and not self.untrained_restorer:
            raise WeightLoadingError(self._untrained_message(loading=False))

    @contextlib.contextmanager
    def _restoring(self, training: bool) -> Iterator[None]:
        """Run a restoration; keep its aux losses when it trains the restorer.

        Args:
            training (bool): Whether this is a training forward.
        """
        self.check_restorer_weights()
        if not (training and self.trainable and self.restorer_aux_losses
                and torch.is_grad_enabled()):
            yield
            return
        with recording_network_losses(self.restorer) as records:
            yield
        losses = weighted_aux_losses(self.restorer, records)
        if losses:
            self._stash_aux_losses(losses)

    def _stash_aux_losses(self, losses: Dict[str, torch.Tensor]) -> None:
        key = self.holder_key
        if not self._aux_collector:
            raise RuntimeError(
                f'The restorer in {key} trains (trainable=True) and reports '
                f'{sorted(losses)}, but nothing adds them to the downstream '
                f'loss. Add {HOOK_CFG} to the config (mmengine runners), or '
                'call mofme_mm.models.utils.attach_restorer_aux_losses(model) '
                'before training; or set '
                f'{key}.restorer_aux_losses=False to train the restorer with '
                'the downstream loss only.')
        if self._pending_aux_losses is not None and \
                not self._warned_uncollected:
            self._warned_uncollected = True
            print_log(
                f'The restorer aux losses of {key} from the previous training '
                'forward were not added to a loss: the model was not called '
                "as model(..., mode='loss') (what train_step does) in "
                'between. Only the last forward\'s losses are kept.',
                logger='current', level=logging.WARNING)
        self._pending_aux_losses = losses

    def pop_restorer_aux_losses(self) -> Dict[str, torch.Tensor]:
        """Take the weighted aux losses of the last training restoration.

        Returns:
            dict[str, Tensor]: ``loss_restorer_balance`` /
            ``loss_restorer_uncertainty``, or empty.
        """
        losses, self._pending_aux_losses = self._pending_aux_losses, None
        return losses or {}


def _check_carried_restorer(holder: RestorerHolderMixin, state_dict: dict,
                            prefix: str, local_metadata: dict, strict: bool,
                            missing_keys: List[str],
                            unexpected_keys: List[str],
                            error_msgs: List[str]) -> None:
    """Load pre-hook: carried restorer weights must fit the restorer."""
    holder._load_prefix = prefix
    restorer_prefix = prefix + 'restorer.'
    carried = OrderedDict((k[len(restorer_prefix):], v)
                          for k, v in state_dict.items()
                          if k.startswith(restorer_prefix))
    holder._carried_restorer = bool(carried)
    if not carried:
        return
    expected = holder.restorer.state_dict()
    problems = find_key_problems(expected, carried)
    if problems and not partial_loading_allowed():
        raise WeightLoadingError(
            f'The restorer weights under "{restorer_prefix}*" in the '
            f'checkpoint do not fit the restorer of {holder.holder_key}: '
            f'{describe_key_problems(problems, list(expected), list(carried))}'
            ' Was the checkpoint written with another restorer config?')
    holder._restorer_weights = f'the loaded checkpoint ("{restorer_prefix}*")'


def _excuse_restorer_keys(holder: RestorerHolderMixin,
                          incompatible_keys) -> None:
    """Load post-hook: a checkpoint without restorer weights is fine when
    the restorer has its own; refuse it when it has none."""
    if holder._carried_restorer:
        return
    if holder._restorer_weights is None and not holder.untrained_restorer:
        raise WeightLoadingError(holder._untrained_message(loading=True))
    restorer_prefix = holder._load_prefix + 'restorer.'
    incompatible_keys.missing_keys[:] = [
        k for k in incompatible_keys.missing_keys
        if not k.startswith(restorer_prefix)
    ]


def _merge_restorer_aux_losses(model: nn.Module, args: tuple, kwargs: dict,
                               output) -> None:
    """Forward hook: add the holders' aux losses to a ``mode='loss'`` dict."""
    mode = kwargs.get('mode', args[2] if len(args) > 2 else None)
    if mode != 'loss' or not isinstance(output, dict):
        return
    for module in model.modules():
        if isinstance(module, RestorerHolderMixin):
            for name, value in module.pop_restorer_aux_losses().items():
                if name in output:
                    raise KeyError(
                        f'{type(model).__name__} already returns a loss named '
                        f'{name}; the restorer aux losses cannot be added.')
                output[name] = value


def attach_restorer_aux_losses(model: nn.Module) -> List[nn.Module]:
    """Make ``model(..., mode='loss')`` return its restorers' aux losses.

    The downstream model (mmseg's ``EncoderDecoder``, mmdet's detectors...)
    builds its loss dict itself; a forward hook on it adds the
    ``loss_restorer_balance`` / ``loss_restorer_uncertainty`` of the last
    training restoration of every restorer holder inside, so that
    ``train_step`` optimises them with the downstream loss (Eq. 11).
    Calling it again is harmless.

    Args:
        model (nn.Module): The top-level model (not a DDP wrapper).

    Returns:
        list[nn.Module]: The restorer holders found in ``model``.
    """
    holders = [m for m in model.modules()
               if isinstance(m, RestorerHolderMixin)]
    if getattr(model, '_restorer_aux_hook', None) is None:
        model._restorer_aux_hook = model.register_forward_hook(
            _merge_restorer_aux_losses, with_kwargs=True)
    for holder in holders:
        holder._aux_collector = True
    return holders
