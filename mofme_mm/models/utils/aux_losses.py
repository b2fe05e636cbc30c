"""The restorer's auxiliary MoE losses, weighted as in Eq. 11.

``DeweatherRestorer.restore`` returns images only; the network underneath
returns ``(restored, aux)`` with the unweighted ``aux['losses']`` of its MoE
layers (load balance, Eq. 8; uncertainty, Eq. 10). When a downstream model
trains the restorer, :func:`recording_network_losses` records those losses
for every network call of a ``restore`` (one per tile batch when tiling) and
:func:`weighted_aux_losses` turns them into the terms upstream training adds:
``lambda1 * L_balance`` and ``lambda2 * L_uc`` with the restorer's own
``balance_loss_weight`` and ``uncertainty_loss_weight``.
"""
import contextlib
from typing import Dict, Iterator, List, Tuple

import torch
import torch.nn as nn

# network loss -> (name in the downstream loss dict, restorer weight field)
RESTORER_AUX_LOSSES = {
    'loss_balance': ('loss_restorer_balance', 'balance_loss_weight'),
    'loss_uncertainty': ('loss_restorer_uncertainty',
                         'uncertainty_loss_weight'),
}


@contextlib.contextmanager
def recording_network_losses(
        restorer: nn.Module) -> Iterator[List[Tuple[int, dict]]]:
    """Record the aux losses of every ``restorer.network`` call inside.

    Args:
        restorer (nn.Module): A restorer with a ``network`` that returns
            ``(restored, aux)`` (a ``DeweatherRestorer``); other restorers
            record nothing.

    Yields:
        list[tuple[int, dict]]: ``(images in the call, aux['losses'])`` per
        network call, filled while the block runs.
    """
    records = []
    network = getattr(restorer, 'network', None)
    if not isinstance(network, nn.Module):
        yield records
        return

    def record(module, args, output) -> None:
        if isinstance(output, tuple) and len(output) == 2 and isinstance(
                output[1], dict) and output[1].get('losses'):
            images = args[0].shape[0] if args and isinstance(
                args[0], torch.Tensor) else 1
            records.append((images, output[1]['losses']))

    handle = network.register_forward_hook(record)
    try:
        yield records
    finally:
        handle.remove()


def weighted_aux_losses(restorer: nn.Module,
                        records: List[Tuple[int, dict]]
                        ) -> Dict[str, torch.Tensor]:
    """The Eq. 11 terms of the recorded calls, averaged over their images.

    Args:
        restorer (nn.Module): The restorer (its ``balance_loss_weight`` and
            ``uncertainty_loss_weight`` are lambda1 and lambda2).
        records (list): From :func:`recording_network_losses`.

    Returns:
        dict[str, Tensor]: ``loss_restorer_balance`` and
        ``loss_restorer_uncertainty`` (those the network reported), each
        ``weight * mean over calls (weighted by their images)``.
    """
    losses = {}
    for key, (name, weight_field) in RESTORER_AUX_LOSSES.items():
        calls = [(n, aux[key]) for n, aux in records if key in aux]
        if not calls:
            continue
        weight = getattr(restorer, weight_field, None)
        if weight is None:
            raise AttributeError(
                f'{type(restorer).__name__} reports {key} but has no '
                f'{weight_field} to weight it with (Eq. 11); use a '
                'DeweatherRestorer.')
        total = sum(n for n, _ in calls)
        mean = sum(n * value for n, value in calls) / total
        losses[name] = float(weight) * mean
    return losses
