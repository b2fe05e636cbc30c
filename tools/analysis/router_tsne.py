"""t-SNE of the router's outputs per weather type (the paper's Figure 2).

Example::

    python tools/analysis/router_tsne.py configs/mofme_allweather.py \\
        work_dirs/mofme_allweather/epoch_200.pth --images 50 --out tsne.png

Takes up to ``--images`` test images of every weather type of the config's
test dataset, runs the network on a centre crop of each, turns the routing
weights of all MoE layers into one vector per image (or per sampled token),
embeds them with scikit-learn's t-SNE and saves a scatter plot coloured by
weather, plus the points in ``<out>.npz``.
"""
import argparse
import os.path as osp
from collections import defaultdict
from typing import Dict, List, Optional

import numpy as np
import torch
from matplotlib.figure import Figure
from mmengine.config import DictAction

from mofme_mm.analysis.routing_embedding import routing_features, tsne_embedding
from mofme_mm.apis import init_restorer
from mofme_mm.registry import DATASETS
from mofme_mm.utils import register_all_modules
from mofme_mm.utils.atomic_write import atomic_output
from mofme_mm.utils.package_configs import config_argument


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parse the command line (``argv`` defaults to ``sys.argv[1:]``)."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', type=config_argument,
                        help='config file')
    parser.add_argument('checkpoint', help='checkpoint of the config model')
    parser.add_argument('--images', type=int, default=50,
                        help='test images per weather type')
    parser.add_argument('--crop', type=int, default=256,
                        help='side of the centre crop fed to the network')
    parser.add_argument('--per', choices=['image', 'token'], default='image',
                        help='one point per image or per sampled token')
    parser.add_argument('--tokens', type=int, default=16,
                        help='tokens sampled per image with --per token')
    parser.add_argument('--perplexity', type=float, default=30.0)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', default='work_dirs/router_tsne.png')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={},
                        help='dotted config overrides, e.g. a data_root')
    return parser.parse_args(argv)


def select_indices(dataset, images: int) -> Dict[str, List[int]]:
    """First ``images`` dataset indices of every weather type."""
    chosen = defaultdict(list)
    for index in range(len(dataset)):
        weather = dataset.get_data_info(index).get('weather')
        if weather is None:
            raise KeyError(f'sample {index} of {type(dataset).__name__} has no '
                           '`weather`; router_tsne needs a weather-labelled set.')
        if len(chosen[weather]) < images:
            chosen[weather].append(index)
    return dict(chosen)


def centre_crop(images: torch.Tensor, size: int) -> torch.Tensor:
    """Centre crop ``(B, C, H, W)`` to at most ``size x size``."""
    height, width = images.shape[-2:]
    top, left = max(height - size, 0) // 2, max(width - size, 0) // 2
    return images[..., top:top + size, left:left + size]


def plot_embedding(points: np.ndarray, labels: List[str], path: str,
                   title: str = '') -> None:
    """Scatter plot of 2-D points coloured by label."""
    fig = Figure(figsize=(5, 5), layout='tight')
    ax = fig.subplots()
    labels = np.asarray(labels)
    for label in sorted(set(labels.tolist())):
        mask = labels == label
        ax.scatter(points[mask, 0], points[mask, 1], s=8, label=label)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title)
    ax.legend(markerscale=2)
    with atomic_output(path) as tmp:
        fig.savefig(tmp, dpi=150)


def main(argv: Optional[List[str]] = None) -> Dict[str, np.ndarray]:
    """Collect routing features, embed them, save the plot and the points."""
    args = parse_args(argv)
    register_all_modules()
    model = init_restorer(args.config, args.checkpoint, 'cpu',
                          cfg_options=args.cfg_options)
    cfg = model.cfg
    network = model.network
    num_experts = next((m.num_experts for m in network.modules()
                        if hasattr(m, 'num_experts')), None)
    if not num_experts:
        raise ValueError(f'{args.config}: model network has no ffn_cfg.num_experts;'
                         ' router_tsne needs an MoE/MoFME config.')
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    generator = torch.Generator().manual_seed(args.seed)
    features, labels = [], []
    for weather, indices in select_indices(dataset, args.images).items():
        for index in indices:
            data = dataset[index]
            batch = dict(inputs=[data['inputs']], data_samples=[data['data_samples']])
            inputs = model.data_preprocessor(batch, False)['inputs']
            with torch.no_grad():
                _, aux = network(centre_crop(inputs, args.crop))
            feats = routing_features(aux['routing'], num_experts, args.per,
                                     args.tokens, generator)
            features.append(feats)
            labels += [weather] * len(feats)
    points = tsne_embedding(np.concatenate(features), args.perplexity, args.seed)
    plot_embedding(points, labels, args.out, osp.basename(args.config))
    result = dict(points=points, labels=np.asarray(labels))
    with atomic_output(osp.splitext(args.out)[0] + '.npz') as tmp:
        np.savez(tmp, **result)
    print(f'saved {args.out} ({len(points)} points)')
    return result


if __name__ == '__main__':
    main()
