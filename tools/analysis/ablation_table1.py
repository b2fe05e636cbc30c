"""The paper's Table 1 ablation on the toy set: ViT / MoE / MoE+FME /
MoE+UaR / MoFME, same budget, several seeds, mean +- std per weather.

Example (about 20 minutes on one CPU thread with the defaults)::

    python tools/dataset_converters/make_toy_cityscapes.py \\
        --out data/toy_cityscapes
    python tools/analysis/ablation_table1.py --data-root data/toy_cityscapes \\
        --work-dir work_dirs/ablation_table1 --json table1.json

Every variant is the base config's network (default: the ``make demo``
restorer, configs/toy/mofme_toy_demo_restorer.py) with its FFN slot and
router swapped (:data:`mofme_mm.analysis.ablation.TABLE1_VARIANTS`; same
width, depth, experts, top-k, losses, data, epochs and schedule), trained
for ``--epochs`` with each of ``--seeds`` and scored on the test split by the
config's metric (PSNR / SSIM per weather, protocol as configured: paper).
Prints a Markdown table; ``--json`` also writes every run and the table.
"""
import argparse
import json
import os.path as osp
import time
from typing import List, Optional

import torch
from mmengine.config import Config
from mmengine.runner import Runner

import mofme_mm  # noqa: F401  (registers modules)
from mofme_mm.analysis.ablation import (
    TABLE1_VARIANTS,
    markdown_table,
    mean_std_table,
    set_epoch_budget,
    variant_network,
)
from mofme_mm.engine.runner_setup import apply_cfg_options
from mofme_mm.utils.atomic_write import atomic_write_bytes
from mofme_mm.utils.package_configs import config_argument

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEFAULT_CFG = osp.join(REPO, 'configs', 'toy', 'mofme_toy_demo_restorer.py')
WEATHERS = ('rain', 'fog')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parse the command line (``argv`` defaults to ``sys.argv[1:]``)."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default=DEFAULT_CFG, type=config_argument,
                        help='base restorer config')
    parser.add_argument('--data-root', default='data/toy_cityscapes')
    parser.add_argument('--epochs', type=int, default=20)
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--variants', nargs='+', default=list(TABLE1_VARIANTS),
                        choices=list(TABLE1_VARIANTS))
    parser.add_argument('--work-dir', default='work_dirs/ablation_table1')
    parser.add_argument('--json', help='write all runs and the table here')
    parser.add_argument('--threads', type=int, default=1)
    return parser.parse_args(argv)


def run_one(args, variant: str, seed: int) -> dict:
    """Train and test one variant with one seed; its metrics and times."""
    cfg = Config.fromfile(args.config)
    apply_cfg_options(cfg, {'data_root': args.data_root})
    cfg.model.network = variant_network(cfg.model.network, variant)
    set_epoch_budget(cfg, args.epochs, seed)
    cfg.train_dataloader.update(num_workers=0, persistent_workers=False)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=50)
    cfg.work_dir = osp.join(args.work_dir, f'{variant}_seed{seed}')
    cfg.log_level = 'WARNING'
    # one visualiser per run: mmengine reuses an instance of the same name
    # (with the first run's save_dir) for every later runner in the process
    cfg.visualizer.name = f'ablation_{variant}_seed{seed}'
    start = time.time()
    runner = Runner.from_cfg(cfg)
    runner.train()
    trained = time.time()
    metrics = runner.test()
    return dict(variant=variant, seed=seed,
                train_s=round(trained - start, 1),
                metrics={k: float(v) for k, v in metrics.items()
                         if k.split('/')[0] in WEATHERS})


def main(argv: Optional[List[str]] = None) -> dict:
    """Run every variant and seed; print and save the table."""
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    runs = []
    # seeds outer: a run cut short still has every variant for its seeds
    for seed in args.seeds:
        for variant in args.variants:
            runs.append(run_one(args, variant, seed))
            print(f"{variant} seed {seed}: {runs[-1]['metrics']} "
                  f"({runs[-1]['train_s']} s)", flush=True)
    table = mean_std_table(runs, WEATHERS, args.variants)
    text = markdown_table(table, WEATHERS)
    print(f'{len(args.seeds)} seeds, {args.epochs} epochs, '
          f'{osp.basename(args.config)}, mean +- std:\n{text}')
    result = dict(config=args.config, epochs=args.epochs, seeds=args.seeds,
                  runs=runs, table=table, markdown=text)
    if args.json:
        atomic_write_bytes(args.json, json.dumps(result, indent=1).encode())
    return result


if __name__ == '__main__':
    main()
