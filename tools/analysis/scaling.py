"""Scaling study: params, GMACs and latency of MoE and MoFME versus experts.

Example::

    python tools/analysis/scaling.py --threads 2 --out-dir work_dirs/scaling

For every E in ``--experts`` the MoE and MoFME configs are rebuilt with
``ffn_cfg.num_experts=E`` and ``ffn_cfg.top_k=--top-k`` and all of them are
measured in one round-robin inference benchmark. Writes ``scaling.csv`` and
``scaling.png`` (params and latency versus E, as the paper's Figure 4 and
Table 2).
"""
import argparse
import csv
import os
import os.path as osp
from typing import Dict, List, Optional

from matplotlib.figure import Figure

from mofme_mm.analysis.benchmark import network_key
from mofme_mm.analysis.benchmark_runner import run_benchmark
from mofme_mm.utils.atomic_write import atomic_output
from mofme_mm.utils.package_configs import config_argument

CSV_FIELDS = ['model', 'num_experts', 'params_m', 'gmacs', 'gmacs_total',
              'latency_s', 'latency_min_s', 'cpu_s', 'images_per_s',
              'flop_fraction']


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parse the command line (``argv`` defaults to ``sys.argv[1:]``)."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--moe-config', type=config_argument,
                        default='configs/ablation/moe-vit_allweather.py',
                        help='config of the classic MoE (its E is overridden)')
    parser.add_argument('--mofme-config', type=config_argument,
                        default='configs/mofme_allweather.py',
                        help='config of MoFME (its E is overridden)')
    parser.add_argument('--experts', type=int, nargs='+',
                        default=[4, 8, 16, 32, 64, 128])
    parser.add_argument('--top-k', type=int, default=2)
    parser.add_argument('--shape', type=int, nargs=2, default=[256, 256],
                        metavar=('H', 'W'))
    parser.add_argument('--repeat', type=int, default=5)
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--threads', type=int, default=0)
    parser.add_argument('--matmul-size', type=int, default=2048)
    parser.add_argument('--out-dir', default='work_dirs/scaling')
    return parser.parse_args(argv)


def write_csv(rows: List[Dict], path: str) -> None:
    """Write the scaling rows (keys :data:`CSV_FIELDS`) to ``path``."""
    with atomic_output(path) as tmp, open(tmp, 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=CSV_FIELDS, extrasaction='ignore')
        writer.writeheader()
        writer.writerows(rows)


def plot_scaling(rows: List[Dict], path: str) -> None:
    """Plot params and latency versus the number of experts per model."""
    fig = Figure(figsize=(10, 4), layout='tight')
    axes = fig.subplots(1, 2)
    experts = sorted({row['num_experts'] for row in rows})
    for ax, key, label in zip(axes, ['params_m', 'latency_s'],
                              ['parameters (M)', 'latency per image (s)']):
        for model in sorted({row['model'] for row in rows}):
            points = sorted((row['num_experts'], row[key])
                            for row in rows if row['model'] == model)
            ax.plot(*zip(*points), marker='o', label=model)
        ax.set_xscale('log', base=2)
        ax.set_xticks(experts, [str(e) for e in experts])
        ax.set_ylim(bottom=0)
        ax.set_xlabel('number of experts (top-2)')
        ax.set_ylabel(label)
        ax.grid(True, alpha=0.3)
        ax.legend()
    with atomic_output(path) as tmp:
        fig.savefig(tmp, dpi=120)


def main(argv: Optional[List[str]] = None) -> List[Dict]:
    """Run the study, write the CSV and the plot; return the rows."""
    args = parse_args(argv)
    specs, meta = [], {}
    for model, config in [('MoE', args.moe_config), ('MoFME', args.mofme_config)]:
        key = network_key(config)
        for num in args.experts:
            name = f'{model}-{num}'
            meta[name] = dict(model=model, num_experts=num)
            specs.append((name, config, {f'{key}.ffn_cfg.num_experts': num,
                                         f'{key}.ffn_cfg.top_k': args.top_k}))
    results = run_benchmark(
        specs, shape=args.shape, repeat=args.repeat, warmup=args.warmup,
        threads=args.threads, memory=False, matmul_size=args.matmul_size)
    rows = [dict(record, **meta[record['config']]) for record in results]
    os.makedirs(args.out_dir, exist_ok=True)
    write_csv(rows, osp.join(args.out_dir, 'scaling.csv'))
    plot_scaling(rows, osp.join(args.out_dir, 'scaling.png'))
    print(f'wrote {args.out_dir}/scaling.csv and scaling.png')
    return rows


if __name__ == '__main__':
    main()
