"""Generate the toy Cityscapes / RainCityscapes / Foggy Cityscapes tree.

Example::

    python tools/dataset_converters/make_toy_cityscapes.py --out data/toy_cityscapes

The tree has the real instance ground truth too (``gtFine`` polygons,
labelIds, instanceIds), so the real converters accept it, e.g. mmdet's
``tools/dataset_converters/cityscapes.py data/toy_cityscapes -o
data/toy_cityscapes/annotations`` (the COCO jsons of the detection datasets).
"""
import argparse
import time

from mofme_mm.datasets.cityscapes_naming import FOG_BETAS, RAIN_PARAMS
from mofme_mm.datasets.synthesis import make_toy_cityscapes


def parse_triple(text: str) -> tuple:
    """``'0.01,0.005,0.01'`` -> ``(0.01, 0.005, 0.01)``."""
    values = tuple(float(v) for v in text.split(','))
    if len(values) != 3:
        raise argparse.ArgumentTypeError(
            f'expected alpha,beta,dropsize, got {text!r}')
    return values


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', default='data/toy_cityscapes',
                        help='output root (default: data/toy_cityscapes)')
    parser.add_argument('--num-train', type=int, default=12,
                        help='train frames (default: 12)')
    parser.add_argument('--num-val', type=int, default=6,
                        help='val frames (default: 6)')
    parser.add_argument('--num-test', type=int, default=2,
                        help='test frames, without weather versions '
                        '(default: 2; mmdet\'s Cityscapes converter needs '
                        'at least 1)')
    parser.add_argument('--size', type=int, nargs=2, default=(512, 256),
                        metavar=('W', 'H'), help='frame size (512 256)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--train-cities', nargs='+',
                        default=['aachen', 'bochum', 'bremen'])
    parser.add_argument('--val-cities', nargs='+',
                        default=['lindau', 'munster'])
    parser.add_argument('--test-cities', nargs='+',
                        default=['berlin', 'bielefeld'])
    parser.add_argument('--rain-params', type=parse_triple, nargs='*',
                        default=list(RAIN_PARAMS),
                        help='alpha,beta,dropsize triples (default: the 3 '
                        'RainCityscapes ones); none for no rain')
    parser.add_argument('--patterns', type=int, nargs='+', default=[1, 2],
                        help='rain streak patterns 1..12 (default: 1 2)')
    parser.add_argument('--fog-betas', type=float, nargs='*',
                        default=list(FOG_BETAS),
                        help='fog betas (default: 0.005 0.01 0.02)')
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    start = time.time()
    result = make_toy_cityscapes(
        args.out, num_train=args.num_train, num_val=args.num_val,
        num_test=args.num_test, size=tuple(args.size), seed=args.seed,
        train_cities=args.train_cities, val_cities=args.val_cities,
        test_cities=args.test_cities,
        rain_params=args.rain_params, patterns=args.patterns,
        fog_betas=args.fog_betas)
    frames = result['frames']
    print(f'wrote {len(frames["train"])} train + {len(frames["val"])} val '
          f'frames, {len(result["rain"])} rainy and {len(result["fog"])} '
          f'foggy images (+ {len(frames["test"])} test frames without '
          f'weather) to {args.out} in {time.time() - start:.1f} s')


if __name__ == '__main__':
    main()
