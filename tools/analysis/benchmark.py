"""Measure latency, throughput, memory and FLOP efficiency of networks.

Example::

    python tools/analysis/benchmark.py configs/ablation/vit_allweather.py \\
        configs/mofme_allweather.py --threads 2 --repeat 10 --json

All configs are measured in one process: first the machine's fp32 matmul
rate, then every network round-robin (see ``mofme_mm/utils/benchmark.py``
for the method). Without ``--json`` a markdown table is printed.
"""
import argparse
import json
import sys
from typing import Dict, List, Optional

from mmengine.config import DictAction

from mofme_mm.utils.benchmark_runner import run_benchmark

COLUMNS = [('config', 'config', '{}'), ('params_m', 'params (M)', '{:.2f}'),
           ('gmacs', 'GMACs', '{:.2f}'), ('latency_s', 'latency (s)', '{:.3f}'),
           ('latency_min_s', 'min (s)', '{:.3f}'), ('cpu_s', 'CPU (s)', '{:.3f}'),
           ('images_per_s', 'images/s', '{:.2f}'),
           ('peak_mem_mb', 'peak mem (MB)', '{:.0f}'),
           ('flop_fraction', 'FLOP fraction', '{:.2f}'),
           ('flop_fraction_cpu', 'FLOP fraction (CPU)', '{:.2f}')]


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parse the command line (``argv`` defaults to ``sys.argv[1:]``)."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('configs', nargs='+', help='config files to measure')
    parser.add_argument('--shape', type=int, nargs=2, default=[256, 256],
                        metavar=('H', 'W'), help='input size (default 256 256)')
    parser.add_argument('--batch', type=int, default=1, help='batch size')
    parser.add_argument('--mode', choices=['infer', 'train'], default='infer')
    parser.add_argument('--repeat', type=int, default=10,
                        help='timed round-robin rounds (median is reported)')
    parser.add_argument('--warmup', type=int, default=2,
                        help='untimed steps per config first')
    parser.add_argument('--threads', type=int, default=0,
                        help='torch threads (0: keep torch default)')
    parser.add_argument('--device', default='cpu', help='torch device')
    parser.add_argument('--matmul-size', type=int, default=2048,
                        help='side of the reference fp32 matmul')
    parser.add_argument('--matmul-gflops', type=float, default=0.0,
                        help='use this fp32 matmul rate (GFLOP/s) instead of '
                        'measuring it: torch.mm may run on fewer threads (MKL)')
    parser.add_argument('--no-memory', action='store_true',
                        help='skip the peak-memory probes (one process each)')
    parser.add_argument('--json', action='store_true',
                        help='print one JSON object per config per line')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        default={}, help='dotted overrides applied to every config')
    return parser.parse_args(argv)


def format_table(results: List[Dict]) -> str:
    """Markdown table of benchmark records."""
    lines = ['| ' + ' | '.join(title for _, title, _ in COLUMNS) + ' |',
             '|' + ' --- |' * len(COLUMNS)]
    for record in results:
        cells = ['-' if record[key] is None else fmt.format(record[key])
                 for key, _, fmt in COLUMNS]
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def main(argv: Optional[List[str]] = None) -> List[Dict]:
    """Run the benchmark and print the results; return the records."""
    args = parse_args(argv)
    specs = [(config, config, dict(args.cfg_options)) for config in args.configs]
    results = run_benchmark(
        specs, shape=args.shape, batch=args.batch, mode=args.mode,
        repeat=args.repeat, warmup=args.warmup, threads=args.threads,
        device=args.device, memory=not args.no_memory,
        matmul_size=args.matmul_size, matmul_rate=args.matmul_gflops)
    if args.json:
        for record in results:
            print(json.dumps(record), flush=True)
    else:
        first = results[0]
        print(f"fp32 matmul rate: {first['matmul_gflops']:.1f} GFLOP/s "
              f"({first['matmul_gflops_cpu']:.1f} per CPU second); "
              f"mode={args.mode} batch={args.batch} shape={args.shape} "
              f"threads={first['threads']} repeat={args.repeat}", file=sys.stderr)
        print(format_table(results))
    return results


if __name__ == '__main__':
    main()
