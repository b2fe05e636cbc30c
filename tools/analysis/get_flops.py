"""Parameters (M) and activated GMACs of a config's network.

Usage:
    python tools/analysis/get_flops.py CONFIG [--shape H W] [--json]

Only the network is built: a restorer config's ``model.network`` (or
``model`` itself when it is the network), so the count is independent of the
restorer wrapper. Only the experts a token activates are counted.

``gmacs`` follows the paper's convention (attention products q k^T and
attn v left out, as its counter did); ``gmacs_total`` includes them. With
``--mc-router`` the M Monte-Carlo passes of an uncertainty-aware router are
counted too (training / MC-at-test cost); by default UaR is deterministic at
test time and costs a plain router.
"""
import argparse
import json

from mofme_mm.analysis.benchmark import build_network
from mofme_mm.analysis.complexity import model_complexity
from mofme_mm.utils.package_configs import config_argument


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Parameters and activated GMACs of a config.')
    parser.add_argument('config', type=config_argument,
                        help='config file path')
    parser.add_argument('--shape', type=int, nargs=2, default=[240, 240],
                        metavar=('H', 'W'),
                        help='input size (default 240 240, as the paper)')
    parser.add_argument('--json', action='store_true',
                        help='print one JSON object')
    parser.add_argument('--mc-router', action='store_true',
                        help='count the MC passes of uncertainty routers')
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    stats = model_complexity(build_network(args.config), tuple(args.shape),
                             mc_router=args.mc_router)
    stats = dict(config=args.config, shape=list(args.shape), **stats)
    if args.json:
        print(json.dumps(stats))
    else:
        h, w = args.shape
        print(f"{args.config}\n"
              f"  input shape          : 3 x {h} x {w}\n"
              f"  params               : {stats['params_m']:.2f} M\n"
              f"  activated GMACs      : {stats['gmacs']:.2f}"
              f" (paper convention, no attention products)\n"
              f"  attention products   : {stats['gmacs_attention']:.2f}\n"
              f"  total GMACs          : {stats['gmacs_total']:.2f}")
    return stats


if __name__ == '__main__':
    main()
