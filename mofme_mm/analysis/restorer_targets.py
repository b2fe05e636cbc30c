"""The measures of issue #14 on a trained restorer (docs/restorer_quality.md).

Used by ``tools/analysis/restorer_targets.py``:

- :func:`expert_usage` - per image, per MoE layer, the share of top-k
  selections each expert receives (the routing statistics of the probe);
- :func:`probe_accuracy` - logistic regression from those statistics to the
  weather label, fit on one image set and scored on another;
- :func:`record_routing_probabilities` - per image, the routers' mean
  softmax over the experts (the soft routing statistics);
- :func:`record_router_inputs` / :func:`gradient_statistics` - the same
  probe's two reference inputs: what the routers see (their mean input
  token) and what the weathered image shows (its neighbour differences);
- :func:`region_means` / :func:`spearman` - the per-region rank correlation
  between the uncertainty map and the restoration error.
"""
from contextlib import contextmanager
from typing import Dict, Iterator, List, Sequence

import numpy as np
import torch
from torch import nn

from mofme_mm.models.layers.topk_router import TopKRouter
from mofme_mm.models.layers.uncertainty_router import UncertaintyRouter

TARGET_PSNR_GAIN = 5.0  # dB over the input, per weather
TARGET_SSIM_GAIN = 0.03  # over the input, per weather
TARGET_PROBE = 0.90  # linear-probe accuracy with UaR
GRID_TOLERANCE = 0.02  # patch-grid score of restored minus clean, at most


def expert_usage(routing: List[Dict[str, torch.Tensor]],
                 num_experts: int) -> np.ndarray:
    """Expert-usage histograms per layer, concatenated, one row per image.

    Args:
        routing (list[dict]): ``aux['routing']`` of the network, per MoE
            layer ``dict(indices=(B, N, k), ...)``.
        num_experts (int): E.

    Returns:
        np.ndarray: ``(B, L * E)``; each layer's E entries are the fraction
        of the image's ``N * k`` selections that went to each expert (sum 1).
    """
    if not routing:
        raise ValueError('aux["routing"] is empty: the network has no MoE '
                         'layer; use a config with ffn_cfg.type moe or fme.')
    rows = []
    for layer in routing:
        indices = layer['indices'].long()
        batch = indices.shape[0]
        flat = indices.reshape(batch, -1)
        counts = torch.zeros(batch, num_experts, dtype=torch.float64)
        counts.scatter_add_(1, flat.cpu(), torch.ones_like(
            flat, dtype=torch.float64).cpu())
        rows.append(counts / flat.shape[1])
    return torch.cat(rows, dim=1).numpy()


def probe_accuracy(train_x: np.ndarray, train_y: Sequence[str],
                   test_x: np.ndarray, test_y: Sequence[str],
                   seed: int = 0) -> float:
    """Accuracy of a logistic-regression probe on held-out images.

    Features are standardised with the train set's mean and deviation;
    scikit-learn's ``LogisticRegression`` (lbfgs, C=1, max_iter 5000).

    Args:
        train_x (np.ndarray): ``(n, d)`` train features.
        train_y (Sequence[str]): their weather labels (at least 2 kinds).
        test_x (np.ndarray): ``(m, d)`` held-out features.
        test_y (Sequence[str]): their labels.
        seed (int): random state. Defaults to 0.

    Returns:
        float: fraction of held-out images labelled correctly.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if len(set(train_y)) < 2:
        raise ValueError('the probe needs images of at least two weathers '
                         f'to train on, got {sorted(set(train_y))}')
    probe = make_pipeline(StandardScaler(), LogisticRegression(
        max_iter=5000, random_state=seed))
    probe.fit(np.asarray(train_x), np.asarray(train_y))
    return float((probe.predict(np.asarray(test_x)) == np.asarray(test_y)
                  ).mean())


@contextmanager
def _record_routers(network: nn.Module, summarise,
                    before: bool) -> Iterator[List[np.ndarray]]:
    """Hook every router of ``network``; each call appends
    ``summarise(tensor)`` (its input when ``before``, else its output's
    ``probs``) to the yielded list, in call order; unhooked on exit."""
    records: List[np.ndarray] = []
    routers = [module for module in network.modules()
               if isinstance(module, (TopKRouter, UncertaintyRouter))]
    if before:
        handles = [router.register_forward_pre_hook(
            lambda module, args: records.append(summarise(args[0])))
            for router in routers]
    else:
        handles = [router.register_forward_hook(
            lambda module, args, out: records.append(summarise(out.probs)))
            for router in routers]
    try:
        yield records
    finally:
        for handle in handles:
            handle.remove()


def _image_means(values: torch.Tensor) -> np.ndarray:
    """``(B, ..., C)`` -> ``(B, C)`` float64 mean over the middle axes."""
    return values.detach().double().reshape(
        values.shape[0], -1, values.shape[-1]).mean(1).cpu().numpy()


def record_router_inputs(network: nn.Module):
    """Record, per router call, each image's mean input token.

    While the context is open, every call of a :class:`TopKRouter` or
    :class:`UncertaintyRouter` inside ``network`` appends the mean over the
    tokens of its ``(B, N, D)`` input, a ``(B, D)`` float64 array, to the
    yielded list (calls in network order). Routing is not changed.

    Args:
        network (nn.Module): the restoration network.

    Returns:
        A context manager yielding the list of recorded ``(B, D)`` arrays.
    """
    return _record_routers(network, _image_means, before=True)


def record_routing_probabilities(network: nn.Module):
    """Record, per router call, each image's mean routing probabilities.

    As :func:`record_router_inputs`, but what is kept is the mean over the
    tokens of the router's ``probs`` (its softmax over all E experts, before
    the top-k choice), a ``(B, E)`` float64 array per call: the soft
    routing statistics, next to the hard ones of :func:`expert_usage`.

    Args:
        network (nn.Module): the restoration network.

    Returns:
        A context manager yielding the list of recorded ``(B, E)`` arrays.
    """
    return _record_routers(network, _image_means, before=False)


def gradient_statistics(images: torch.Tensor) -> np.ndarray:
    """Per image: mean absolute horizontal and vertical neighbour
    differences of its grey image, and their ratio (vertical / horizontal).

    What a weathered image shows without any network: rain streaks are
    near-vertical, so they raise the horizontal differences more than the
    vertical ones; fog lowers both.

    Args:
        images (torch.Tensor): ``(B, C, H, W)`` images.

    Returns:
        np.ndarray: ``(B, 3)`` float64.
    """
    grey = images.detach().double().mean(1)
    across = (grey[:, :, 1:] - grey[:, :, :-1]).abs().flatten(1).mean(1)
    along = (grey[:, 1:] - grey[:, :-1]).abs().flatten(1).mean(1)
    ratio = along / across.clamp_min(1e-12)
    return torch.stack([across, along, ratio], dim=1).cpu().numpy()


def region_means(image: np.ndarray, region: int) -> np.ndarray:
    """Means of an ``(H, W)`` map over ``region x region`` blocks.

    Whole blocks only (the bottom / right remainder is dropped).

    Args:
        image (np.ndarray): ``(H, W)`` map.
        region (int): block side in pixels.

    Returns:
        np.ndarray: flat array of block means.
    """
    height, width = (s // region * region for s in image.shape[:2])
    if not height or not width:
        raise ValueError(f'map {image.shape} is smaller than one region of '
                         f'{region} pixels')
    blocks = image[:height, :width].reshape(height // region, region,
                                            width // region, region)
    return blocks.mean(axis=(1, 3)).ravel()


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman rank correlation (average ranks for ties); NaN if constant.

    Args:
        a (np.ndarray): first values.
        b (np.ndarray): second values, same length.

    Returns:
        float: the correlation in [-1, 1], or NaN when either is constant.
    """
    from scipy.stats import spearmanr

    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.std() == 0 or b.std() == 0:
        return float('nan')
    return float(spearmanr(a, b).statistic)
