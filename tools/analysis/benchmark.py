"""Measure latency, throughput, memory and FLOP efficiency of restorers.

Examples::

    # one 256 x 256 tile, fp32 and bf16 side by side, with the stage split
    python tools/analysis/benchmark.py configs/ablation/vit_allweather.py \\
        configs/mofme_allweather.py --precision fp32 bf16 --threads 2 --json
    # one full 2048 x 1024 frame through the config's tiled test_cfg
    python tools/analysis/benchmark.py configs/mofme_raincityscapes.py \\
        --frame --precision fp32 bf16 --repeat 3 --no-memory

All configs are measured in one process: first the machine's matmul rate of
every precision asked for, then every (config, precision) round-robin (see
``mofme_mm/analysis/benchmark.py`` for the method). Each record's FLOP
fraction is against the matmul rate of the precision it ran in. Without
``--json`` markdown tables are printed: the measurements, then the
per-stage split (conv head, attention, experts incl. dispatch, conv tail).
"""
import argparse
import json
import sys
from typing import Dict, List, Optional

from mmengine.config import DictAction

from mofme_mm.analysis.benchmark_runner import FRAME_SHAPE, run_benchmark
from mofme_mm.analysis.stage_profile import STAGE_NAMES
from mofme_mm.models.restorers.precision import (
    PRECISIONS,
    check_precision_supported,
)
from mofme_mm.utils.package_configs import config_argument

COLUMNS = [('config', 'config', '{}'), ('precision', 'precision', '{}'),
           ('params_m', 'params (M)', '{:.2f}'),
           ('gmacs', 'GMACs', '{:.2f}'), ('latency_s', 'latency (s)', '{:.3f}'),
           ('latency_min_s', 'min (s)', '{:.3f}'), ('cpu_s', 'CPU (s)', '{:.3f}'),
           ('images_per_s', 'images/s', '{:.2f}'),
           ('peak_mem_mb', 'peak mem (MB)', '{:.0f}'),
           ('bound_s', 'matmul bound (s)', '{:.3f}'),
           ('flop_fraction', 'FLOP fraction', '{:.2f}'),
           ('flop_fraction_cpu', 'FLOP fraction (CPU)', '{:.2f}')]


def _rates(texts: List[str]) -> Dict[str, float]:
    """``['336']`` or ``['fp32=336', 'bf16=1942']`` -> precision -> GFLOP/s."""
    rates = {}
    for text in texts:
        name, _, value = text.rpartition('=')
        name = name or 'fp32'
        if name not in PRECISIONS:
            raise argparse.ArgumentTypeError(
                f'--matmul-gflops {text!r}: the precision must be one of '
                f'{PRECISIONS} (PRECISION=GFLOPS, or a number for fp32)')
        try:
            rates[name] = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f'--matmul-gflops {text!r}: {value!r} is not a number') from None
    return rates


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parse the command line (``argv`` defaults to ``sys.argv[1:]``)."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('configs', nargs='+', type=config_argument,
                        help='config files to measure')
    parser.add_argument('--shape', type=int, nargs=2, default=None,
                        metavar=('H', 'W'),
                        help='input size (default 256 256; with --frame the '
                        f'frame, default {FRAME_SHAPE[0]} {FRAME_SHAPE[1]})')
    parser.add_argument('--frame', action='store_true',
                        help="restore one full frame per step through the "
                        "config's test_cfg (tiling, tile batch)")
    parser.add_argument('--precision', nargs='+', choices=PRECISIONS,
                        default=['fp32'],
                        help='run every config in each (test_cfg.precision)')
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
                        help='side of the reference matmul')
    parser.add_argument('--matmul-gflops', nargs='+', default=[],
                        metavar='[PRECISION=]GFLOPS',
                        help='use these matmul rates instead of measuring '
                        'them, e.g. 336 or fp32=336 bf16=1942')
    parser.add_argument('--stages', type=int, default=3,
                        help='calls timed for the per-stage split (0: skip)')
    parser.add_argument('--profile', type=int, default=0, metavar='ROWS',
                        help='print a torch.profiler table of the ROWS most '
                        'expensive ops of each entry (stderr)')
    parser.add_argument('--no-memory', action='store_true',
                        help='skip the peak-memory probes (one process each)')
    parser.add_argument('--json', action='store_true',
                        help='print one JSON object per config per line')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        default={}, help='dotted overrides applied to every config')
    args = parser.parse_args(argv)
    try:
        args.matmul_gflops = _rates(args.matmul_gflops)
    except argparse.ArgumentTypeError as error:
        parser.error(str(error))
    if args.shape is None:
        args.shape = list(FRAME_SHAPE) if args.frame else [256, 256]
    if args.frame and (args.mode != 'infer' or args.batch != 1):
        parser.error('--frame restores one frame: it needs --mode infer '
                     'and --batch 1')
    for precision in args.precision:
        try:
            check_precision_supported(precision, args.device)
        except ValueError as error:
            parser.error(f'--precision: {error}')
    return args


def format_table(results: List[Dict]) -> str:
    """Markdown table of benchmark records."""
    lines = ['| ' + ' | '.join(title for _, title, _ in COLUMNS) + ' |',
             '|' + ' --- |' * len(COLUMNS)]
    for record in results:
        cells = ['-' if record[key] is None else fmt.format(record[key])
                 for key, _, fmt in COLUMNS]
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def format_stages(results: List[Dict]) -> str:
    """Markdown table of the per-stage split (seconds and share)."""
    lines = ['| config | precision | ' + ' | '.join(STAGE_NAMES) +
             ' | total (s) |', '|' + ' --- |' * (len(STAGE_NAMES) + 3)]
    for record in results:
        stages = record.get('stages_s')
        if not stages:
            continue
        total = stages['total']
        cells = [f"{stages[s]:.3f} ({100 * stages[s] / total:.0f}%)"
                 for s in STAGE_NAMES]
        lines.append(f"| {record['config']} | {record['precision']} | " +
                     ' | '.join(cells) + f' | {total:.3f} |')
    return '\n'.join(lines)


def main(argv: Optional[List[str]] = None) -> List[Dict]:
    """Run the benchmark and print the results; return the records."""
    args = parse_args(argv)
    specs = [(config, config, dict(args.cfg_options)) for config in args.configs]
    results = run_benchmark(
        specs, shape=args.shape, batch=args.batch, mode=args.mode,
        repeat=args.repeat, warmup=args.warmup, threads=args.threads,
        device=args.device, memory=not args.no_memory,
        matmul_size=args.matmul_size, matmul_rates=args.matmul_gflops,
        precisions=args.precision, frame=args.frame, stages=args.stages,
        profile=args.profile)
    for record in results:
        table = record.pop('op_table', None)
        if table:
            print(f"torch.profiler, {record['config']} "
                  f"[{record['precision']}]:\n{table}", file=sys.stderr)
    if args.json:
        for record in results:
            print(json.dumps(record), flush=True)
        return results
    rates = {r['precision']: (r['matmul_gflops'], r['matmul_gflops_cpu'])
             for r in results}
    rate_text = ', '.join(f'{p} {wall:.1f} GFLOP/s ({cpu:.1f} per CPU second)'
                          for p, (wall, cpu) in rates.items())
    first = results[0]
    what = (f"frame {args.shape[0]} x {args.shape[1]} through test_cfg"
            if args.frame else f'shape={args.shape} batch={args.batch}')
    print(f'matmul rate: {rate_text}; mode={args.mode} {what} '
          f"threads={first['threads']} repeat={args.repeat}", file=sys.stderr)
    print(format_table(results))
    if any(r.get('stages_s') for r in results):
        print('\nper-stage split (seconds per step, share of the step):')
        print(format_stages(results))
    return results


if __name__ == '__main__':
    main()
