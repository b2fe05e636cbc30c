"""Measure every issue #14 target on a trained restorer checkpoint.

Example::

    python tools/analysis/restorer_targets.py \\
        configs/toy/mofme_toy_demo_restorer.py \\
        work_dirs/demo/restorer/epoch_60.pth --json

On the config's test set (whole frames, restored as its ``test_cfg`` says):

1. per weather, PSNR / SSIM of input and restored images against the clean
   frames, by :class:`mofme_mm.evaluation.RestorationMetric` (protocol
   ``paper``, as tools/test.py), and the targets restored >= input + 5 dB
   and + 0.03 SSIM;
2. the patch-grid score (:mod:`mofme_mm.evaluation.functional.patch_grid`) of
   restored, clean and input frames; target: restored - clean <= 0.02;
3. a linear probe (logistic regression) from per-image expert-usage
   histograms per MoE layer to the weather label, trained on the train
   split's frames (with the test pipeline: whole frames) and scored on the
   test split; target >= 90% with UaR (``majority``: the accuracy of always
   answering the commonest test weather, the chance level to beat); the
   same probe on the soft routing, each image's mean softmax over the
   experts per router (``probabilities_accuracy``); and on the routers'
   mean input tokens and the input images' neighbour differences
   (``router_input_accuracy``, ``input_gradients_accuracy``), which tells
   whether the weather is there to be routed by at all;
4. with the uncertainty-aware router: the Spearman rank correlation, per
   image, between the mean uncertainty map and the mean absolute error over
   ``--region`` x ``--region`` blocks (mean, std, share of images > 0).

Prints a summary (``--json``: the JSON) and writes it to ``--out`` if given.
"""
import argparse
import contextlib
import copy
import json
import sys
from collections import defaultdict
from typing import List, Optional

import numpy as np
import torch
from mmengine.config import Config, DictAction

from mofme_mm.analysis.restorer_targets import (
    GRID_TOLERANCE,
    TARGET_PROBE,
    TARGET_PSNR_GAIN,
    TARGET_SSIM_GAIN,
    expert_usage,
    gradient_statistics,
    probe_accuracy,
    record_router_inputs,
    record_routing_probabilities,
    region_means,
    spearman,
)
from mofme_mm.apis import init_restorer
from mofme_mm.deployment.stdout_guard import stdout_to_stderr
from mofme_mm.engine.runner_setup import apply_cfg_options
from mofme_mm.evaluation.functional.patch_grid import patch_grid_score
from mofme_mm.evaluation.metrics import RestorationMetric
from mofme_mm.models.layers.uncertainty_router import UncertaintyRouter
from mofme_mm.registry import DATASETS
from mofme_mm.utils import register_all_modules
from mofme_mm.utils.atomic_write import atomic_write_bytes
from mofme_mm.utils.package_configs import config_argument


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parse the command line (``argv`` defaults to ``sys.argv[1:]``)."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', type=config_argument,
                        help='restorer config file')
    parser.add_argument('checkpoint', help='checkpoint of the config model')
    parser.add_argument('--json', action='store_true',
                        help='print the results as JSON')
    parser.add_argument('--out', help='also write the JSON to this file')
    parser.add_argument('--region', type=int, default=16,
                        help='block side (pixels) of the uncertainty / error '
                        'rank correlation')
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction, default={},
        help='config overrides as tools/train.py\'s: an undotted key sets '
        'every field of that name (data_root=... reaches every dataset), a '
        'dotted key one field')
    return parser.parse_args(argv)


def whole_frame_dataset(cfg, split: str):
    """The config's test set, or its train set with the test pipeline."""
    test = copy.deepcopy(cfg.test_dataloader.dataset)
    if split == 'test':
        return DATASETS.build(test)
    train = copy.deepcopy(cfg.train_dataloader.dataset)
    pipeline = (test.datasets[0] if 'datasets' in test else test).pipeline
    for part in (train.datasets if 'datasets' in train else [train]):
        part.pipeline = copy.deepcopy(pipeline)
    return DATASETS.build(train)


def to_hwc(image: torch.Tensor) -> np.ndarray:
    """(3, H, W) [0, 1] tensor -> (H, W, 3) float64 array."""
    return image.detach().double().permute(1, 2, 0).cpu().numpy()


def routing_rows(model, dataset, num_experts: int) -> dict:
    """Per image: its expert-usage histograms (``usage``), its routers' mean
    input tokens (``router_input``) and its input's neighbour differences
    (``input_gradients``), as ``(n, d)`` arrays, and the weather labels."""
    rows, labels = defaultdict(list), []
    for index in range(len(dataset)):
        data = dataset[index]
        inputs = model.data_preprocessor(
            dict(inputs=[data['inputs']], data_samples=[data['data_samples']]),
            False)['inputs']
        with torch.no_grad(), record_router_inputs(model.network) as tokens, \
                record_routing_probabilities(model.network) as probs:
            _, aux = model.network(inputs)
        rows['usage'].append(expert_usage(aux['routing'], num_experts)[0])
        rows['probabilities'].append(np.concatenate(probs, axis=1)[0])
        rows['router_input'].append(np.concatenate(tokens, axis=1)[0])
        rows['input_gradients'].append(gradient_statistics(inputs)[0])
        labels.append(data['data_samples'].metainfo['weather'])
    return {key: np.stack(value) for key, value in rows.items()}, labels


def measure(args) -> dict:
    """All the measurements; see the module docstring."""
    torch.set_num_threads(args.threads)
    register_all_modules()
    # apply_cfg_options, not merge_from_dict: data_root=... must reach the
    # datasets, whose data_root the config file already resolved
    cfg = Config.fromfile(args.config)
    apply_cfg_options(cfg, args.cfg_options)
    model = init_restorer(cfg, args.checkpoint, 'cpu')
    network = model.network
    has_uar = any(isinstance(m, UncertaintyRouter)
                  for m in network.modules())
    test_set = whole_frame_dataset(model.cfg, 'test')
    metric = RestorationMetric(protocol='paper')
    images = defaultdict(lambda: dict(restored=[], clean=[], input=[]))
    correlations = defaultdict(list)
    for index in range(len(test_set)):
        data = test_set[index]
        batch = model.data_preprocessor(
            dict(inputs=[data['inputs']], data_samples=[data['data_samples']]),
            False)
        sample = batch['data_samples'][0]
        weather = sample.metainfo['weather']
        inputs = batch['inputs']
        with torch.no_grad():
            if has_uar:
                restored, unc, _ = model.restore_with_uncertainty(inputs)
            else:
                restored, unc = model.restore(inputs), None
        sample.input_img = type(sample.gt_img)(data=inputs[0])
        sample.pred_img = type(sample.gt_img)(data=restored[0])
        metric.process(None, [sample])
        clean = sample.gt_img.data.to(restored.dtype)
        images[weather]['restored'].append(to_hwc(restored[0]))
        images[weather]['clean'].append(to_hwc(clean))
        images[weather]['input'].append(to_hwc(inputs[0]))
        if unc is not None:
            error = (restored[0] - clean).abs().mean(0).double().numpy()
            correlations[weather].append(spearman(
                region_means(unc[0, 0].double().numpy(), args.region),
                region_means(error, args.region)))
    scores = metric.compute_metrics(metric.results)
    patch = network.patch_size
    result = dict(config=args.config, checkpoint=args.checkpoint,
                  router='uar' if has_uar else 'no MC router', weathers={})
    for weather, groups in images.items():
        row = {key: float(scores[f'{weather}/{key}']) for key in
               ('PSNR', 'SSIM', 'input_PSNR', 'input_SSIM')}
        row['images'] = len(groups['restored'])
        row['PSNR_gain'] = row['PSNR'] - row['input_PSNR']
        row['SSIM_gain'] = row['SSIM'] - row['input_SSIM']
        for key in ('restored', 'clean', 'input'):
            row[f'grid_{key}'] = patch_grid_score(groups[key], patch)
        row['grid_excess'] = row['grid_restored'] - row['grid_clean']
        # bool(): numpy booleans are not JSON serialisable
        row['meets_psnr'] = bool(row['PSNR_gain'] >= TARGET_PSNR_GAIN)
        row['meets_ssim'] = bool(row['SSIM_gain'] >= TARGET_SSIM_GAIN)
        row['meets_grid'] = bool(row['grid_excess'] <= GRID_TOLERANCE)
        if correlations[weather]:
            rho = np.asarray(correlations[weather])
            rho = rho[np.isfinite(rho)]
        if correlations[weather] and rho.size:
            row['uncertainty_spearman_mean'] = float(rho.mean())
            row['uncertainty_spearman_std'] = float(rho.std())
            row['uncertainty_spearman_positive'] = float((rho > 0).mean())
        result['weathers'][weather] = row
    num_experts = next((m.num_experts for m in network.modules()
                        if hasattr(m, 'num_experts')), None)
    if num_experts:
        train_x, train_y = routing_rows(model, whole_frame_dataset(
            model.cfg, 'train'), num_experts)
        test_x, test_y = routing_rows(model, test_set, num_experts)
        accuracy, probabilities, router_input, input_gradients = (
            probe_accuracy(train_x[key], train_y, test_x[key], test_y)
            for key in ('usage', 'probabilities', 'router_input',
                        'input_gradients'))
        result['probe'] = dict(
            accuracy=accuracy, train_images=len(train_y),
            test_images=len(test_y), features=int(train_x['usage'].shape[1]),
            target=TARGET_PROBE, meets=bool(accuracy >= TARGET_PROBE),
            # what always answering the commonest held-out weather scores
            majority=max(test_y.count(w) for w in set(test_y)) / len(test_y),
            # the soft routing: mean softmax over the experts per router
            probabilities_accuracy=probabilities,
            # the same probe on what the routers see and on what the
            # weathered image shows: is the weather there to route by?
            router_input_accuracy=router_input,
            input_gradients_accuracy=input_gradients)
    result['targets_met'] = all(
        row['meets_psnr'] and row['meets_ssim'] and row['meets_grid']
        for row in result['weathers'].values())
    return result


def summary(result: dict) -> str:
    """The results as lines of text."""
    lines = [f"{result['config']} ({result['router']}), protocol paper"]
    for weather, row in result['weathers'].items():
        lines.append(
            f"{weather:5s} n={row['images']:3d}  PSNR {row['input_PSNR']:.2f}"
            f" -> {row['PSNR']:.2f} ({row['PSNR_gain']:+.2f} dB, "
            f"{'ok' if row['meets_psnr'] else 'MISSED'})  SSIM "
            f"{row['input_SSIM']:.4f} -> {row['SSIM']:.4f} "
            f"({row['SSIM_gain']:+.4f}, "
            f"{'ok' if row['meets_ssim'] else 'MISSED'})  grid "
            f"{row['grid_restored']:.4f} vs clean {row['grid_clean']:.4f} "
            f"({'ok' if row['meets_grid'] else 'MISSED'})")
        if 'uncertainty_spearman_mean' in row:
            lines.append(
                f"      uncertainty vs error Spearman: "
                f"{row['uncertainty_spearman_mean']:+.3f} +- "
                f"{row['uncertainty_spearman_std']:.3f} "
                f"({row['uncertainty_spearman_positive']:.0%} of images > 0)")
    if 'probe' in result:
        probe = result['probe']
        lines.append(f"linear probe routing -> weather: "
                     f"{probe['accuracy']:.1%} on {probe['test_images']} "
                     f"held-out images (trained on {probe['train_images']}; "
                     f"majority label {probe['majority']:.1%}; "
                     f"{'ok' if probe['meets'] else 'MISSED'} "
                     f"target {probe['target']:.0%})")
        lines.append(f"  same probe on the mean routing probabilities: "
                     f"{probe['probabilities_accuracy']:.1%}")
        lines.append(f"  same probe on the routers' mean input tokens: "
                     f"{probe['router_input_accuracy']:.1%}; on the input "
                     f"images' neighbour differences: "
                     f"{probe['input_gradients_accuracy']:.1%}")
    lines.append(f"all restoration targets met: {result['targets_met']}")
    return '\n'.join(lines)


def main(argv: Optional[List[str]] = None) -> dict:
    """Measure, print, and write the JSON when asked."""
    args = parse_args(argv)
    # with --json, stdout carries the JSON alone: the log goes to stderr
    with stdout_to_stderr() if args.json else contextlib.nullcontext():
        result = measure(args)
    text = json.dumps(result, indent=1, allow_nan=False)
    print(text if args.json else summary(result))
    if args.out:
        atomic_write_bytes(args.out, text.encode())
    return result


if __name__ == '__main__':
    main()
    sys.exit(0)
