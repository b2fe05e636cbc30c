"""Routing weights as feature vectors, and their 2-D t-SNE embedding.

Used by ``tools/analysis/router_tsne.py`` (the paper's Figure 2).
"""
from typing import Dict, List, Optional

import numpy as np
import torch

from mofme_mm.models.layers.sparse_dispatch import dense_routing_matrix


def dense_routing(weights: torch.Tensor, indices: torch.Tensor,
                  num_experts: int) -> torch.Tensor:
    """Scatter top-k routing weights into a dense ``(..., E)`` tensor.

    Args:
        weights (torch.Tensor): ``(B, N, k)`` routing weights.
        indices (torch.Tensor): ``(B, N, k)`` expert indices.
        num_experts (int): E.

    Returns:
        torch.Tensor: ``(B, N, E)``, zero for unselected experts.
    """
    if indices.numel() and int(indices.max()) >= num_experts:
        raise ValueError(f'routing index {int(indices.max())} >= num_experts='
                         f'{num_experts}: pass the num_experts of the network.')
    return dense_routing_matrix(weights, indices.long(), num_experts)


def routing_features(routing: List[Dict[str, torch.Tensor]], num_experts: int,
                     per: str = 'image', tokens: int = 64,
                     generator: Optional[torch.Generator] = None) -> np.ndarray:
    """One routing vector per image or per sampled token, layers concatenated.

    Args:
        routing (list[dict]): ``aux['routing']`` of the network: per MoE layer
            ``dict(weights=(B, N, k), indices=(B, N, k))``.
        num_experts (int): E.
        per (str): ``'image'`` (mean over tokens) or ``'token'``.
            Defaults to 'image'.
        tokens (int): Tokens sampled per image when ``per='token'``.
            Defaults to 64.
        generator (torch.Generator, optional): For the token sampling.

    Returns:
        np.ndarray: ``(B, L * E)`` per image or ``(B * tokens, L * E)`` per
        token (fewer tokens if an image has fewer).
    """
    if not routing:
        raise ValueError('aux["routing"] is empty: the network has no MoE layer '
                         'to visualise; use a config with ffn_cfg.type moe/fme.')
    dense = torch.cat([dense_routing(layer['weights'].float(), layer['indices'],
                                     num_experts) for layer in routing], dim=-1)
    if per == 'image':
        return dense.mean(dim=1).cpu().numpy()
    if per != 'token':
        raise ValueError(f'per must be "image" or "token", got {per!r}')
    batch, num_tokens, _ = dense.shape
    pick = torch.randperm(num_tokens, generator=generator)[:tokens]
    return dense[:, pick].reshape(batch * len(pick), -1).cpu().numpy()


def tsne_embedding(features: np.ndarray, perplexity: float = 30.0,
                   seed: int = 0) -> np.ndarray:
    """2-D t-SNE of ``features`` (scikit-learn), perplexity clipped to fit.

    Args:
        features (np.ndarray): ``(n, d)`` with n >= 3.
        perplexity (float): Wanted perplexity; at most ``(n - 1) / 3`` is used.
            Defaults to 30.
        seed (int): Random state. Defaults to 0.

    Returns:
        np.ndarray: ``(n, 2)`` embedding.
    """
    from sklearn.manifold import TSNE

    if len(features) < 3:
        raise ValueError(f't-SNE needs at least 3 samples, got {len(features)}: '
                         'raise --images.')
    perplexity = min(perplexity, (len(features) - 1) / 3)
    tsne = TSNE(n_components=2, perplexity=perplexity, init='pca',
                random_state=seed)
    return tsne.fit_transform(np.asarray(features, dtype=np.float32))
