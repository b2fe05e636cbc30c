"""Export a trained restorer to ONNX and check ONNX Runtime against PyTorch.

Examples::

    python tools/deployment/export_onnx.py configs/mofme_raincityscapes.py \\
        work_dirs/mofme_raincityscapes/epoch_200.pth --out mofme.onnx
    # a randomly initialised restorer (only to try the export itself)
    python tools/deployment/export_onnx.py configs/toy/mofme_toy_demo_restorer.py \\
        --untrained --out /tmp/toy.onnx --check-sizes 64 96 100 140

The network is exported in fp32 (sparse expert layers included) with a
dynamic batch, height and width (multiples of the patch size inside the
graph; ``mofme_mm.deployment.OnnxRestorer`` pads other sizes as the network
does). Then random images of every ``--check-sizes`` size (one of them not
a multiple of the patch size and not the export size, by default) go through
ONNX Runtime and PyTorch: the max abs difference and the median latency of
both are printed, and the tool fails when a difference exceeds
``--tolerance``. See docs/deployment.md.
"""
import argparse
import json
import os.path as osp
import sys
from typing import List, Optional

import torch

from mofme_mm.apis import init_restorer
from mofme_mm.deployment.onnx_export import DEFAULT_OPSET, export_onnx
from mofme_mm.deployment.onnx_runtime import OnnxRestorer
from mofme_mm.deployment.parity import check_parity
from mofme_mm.deployment.stdout_guard import stdout_to_stderr
from mofme_mm.utils.package_configs import config_argument

DEFAULT_CHECK_SIZES = [64, 96, 128, 64, 100, 140]


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parse the command line (``argv`` defaults to ``sys.argv[1:]``)."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', type=config_argument,
                        help='restorer config file')
    parser.add_argument('checkpoint', nargs='?',
                        help='trained restorer checkpoint (.pth)')
    parser.add_argument('--untrained', action='store_true',
                        help='export randomly initialised weights (no '
                        'checkpoint; only to try the export)')
    parser.add_argument('--out', required=True, help='output .onnx file')
    parser.add_argument('--export-size', type=int, nargs=2, default=[64, 96],
                        metavar=('H', 'W'),
                        help='size of the traced example (multiples of the '
                        'patch size)')
    parser.add_argument('--check-sizes', type=int, nargs='+',
                        default=DEFAULT_CHECK_SIZES, metavar='H W',
                        help='pairs H W of the parity checks')
    parser.add_argument('--batch', type=int, default=1,
                        help='images per parity check')
    parser.add_argument('--repeat', type=int, default=3,
                        help='timed runs per size (0: no timing)')
    parser.add_argument('--threads', type=int, default=1,
                        help='threads of torch and ONNX Runtime (same for '
                        'both, so the latencies compare)')
    parser.add_argument('--tolerance', type=float, default=1e-4,
                        help='largest max abs difference accepted')
    parser.add_argument('--opset', type=int, default=DEFAULT_OPSET)
    parser.add_argument('--json', action='store_true',
                        help='print the results as one JSON object')
    args = parser.parse_args(argv)
    if (args.checkpoint is None) == (not args.untrained):
        parser.error('pass a trained checkpoint, or --untrained to export '
                     'random weights (not both)')
    if args.checkpoint is not None and not osp.isfile(args.checkpoint):
        parser.error(f'checkpoint {args.checkpoint!r} does not exist: pass '
                     'the .pth file written when training this restorer')
    if not args.out.endswith('.onnx'):
        parser.error(f'--out {args.out!r} must end with .onnx')
    if len(args.check_sizes) % 2:
        parser.error(f'--check-sizes takes pairs H W, got '
                     f'{args.check_sizes}')
    args.check_sizes = [args.check_sizes[i:i + 2]
                        for i in range(0, len(args.check_sizes), 2)]
    if min(min(s) for s in args.check_sizes) < 1 or args.threads < 1:
        parser.error('--check-sizes and --threads must be >= 1')
    return args


def main(argv: Optional[List[str]] = None) -> dict:
    """Export, check and print; return the results (raises on a mismatch)."""
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    # stdout carries only the results: log lines (mmengine's, the
    # exporter's), from loggers made before or during the run, go to stderr
    with stdout_to_stderr():
        restorer = init_restorer(args.config, args.checkpoint, device='cpu')
        try:
            exported = export_onnx(restorer.network, args.out,
                                   size=args.export_size, opset=args.opset)
        except ValueError as error:
            sys.exit(f'export_onnx: {args.config}: {error}')
        session = OnnxRestorer(args.out, threads=args.threads)
        checks = check_parity(restorer.network, session, args.check_sizes,
                              batch=args.batch, repeat=args.repeat)
    result = dict(exported, config=args.config, checkpoint=args.checkpoint,
                  threads=args.threads, checks=checks)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"exported {args.out} ({exported['bytes'] / 1e6:.1f} MB, opset "
              f"{args.opset}, H and W multiples of "
              f"{exported['size_multiple']}, traced at "
              f"{args.export_size[0]} x {args.export_size[1]})")
        print('| size | max abs diff | PyTorch (s) | ONNX Runtime (s) |')
        print('| --- | --- | --- | --- |')
        for c in checks:
            times = ['-' if c[k] is None else f'{c[k]:.4f}'
                     for k in ('torch_s', 'ort_s')]
            print(f"| {c['size'][0]} x {c['size'][1]} | "
                  f"{c['max_abs_diff']:.2e} | {times[0]} | {times[1]} |")
    worst = max(c['max_abs_diff'] for c in checks)
    if worst > args.tolerance:
        sys.exit(f'export_onnx: {args.out}: ONNX Runtime differs from '
                 f'PyTorch by {worst:.3g} > --tolerance {args.tolerance}')
    return result


if __name__ == '__main__':
    main()
