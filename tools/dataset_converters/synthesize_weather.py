"""Write RainCityscapes / Foggy Cityscapes images for a Cityscapes root.

Reads ``leftImg8bit/`` with ``disparity/`` + ``camera/`` (or a depth-map
folder) and writes ``leftImg8bit_rain/`` and ``leftImg8bit_foggy/`` with the
real file names. Frames are processed in ``--nproc`` processes with a
progress bar (the 3,475 train + val frames of Cityscapes give 125,100 rainy
and 10,425 foggy images); the files do not depend on ``--nproc``. The root is read
through ``mmengine.fileio``, so it may be an ``s3://`` / ``petrel://`` URI
(then pass a local ``--out-root``). The printed counts are the files
written. Example::

    python tools/dataset_converters/synthesize_weather.py data/cityscapes \
        --splits train val --nproc 8
"""
import argparse
import time

from mofme_mm.datasets.cityscapes_naming import FOG_BETAS, RAIN_PARAMS, RAIN_PATTERNS
from mofme_mm.datasets.synthesis import synthesize_weather


def parse_triple(text: str) -> tuple:
    """``'0.01,0.005,0.01'`` -> ``(0.01, 0.005, 0.01)``."""
    values = tuple(float(v) for v in text.split(','))
    if len(values) != 3:
        raise argparse.ArgumentTypeError(
            f'expected alpha,beta,dropsize, got {text!r}')
    return values


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('root', help='Cityscapes-layout root')
    parser.add_argument('--splits', nargs='+', default=['train', 'val'])
    parser.add_argument('--out-root', default=None,
                        help='where to write (default: root)')
    parser.add_argument('--rain-params', type=parse_triple, nargs='*',
                        default=list(RAIN_PARAMS),
                        help='alpha,beta,dropsize triples (default: the 3 '
                        'RainCityscapes ones)')
    parser.add_argument('--patterns', type=int, nargs='+',
                        default=list(RAIN_PATTERNS),
                        help='streak patterns (default: 1..12)')
    parser.add_argument('--fog-betas', type=float, nargs='*',
                        default=list(FOG_BETAS))
    parser.add_argument('--no-rain', action='store_true')
    parser.add_argument('--no-fog', action='store_true')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--depth-dir', default=None,
                        help='depth folder relative to root with '
                        '{split}/{city}/{frame}_depth.npy|.png; default: '
                        'use disparity/ + camera/')
    parser.add_argument('--depth-png-scale', type=float, default=0.01,
                        help='metres per unit of 16-bit depth PNGs')
    parser.add_argument('--invalid-depth', type=float, default=1000.0,
                        help='depth (m) of invalid pixels, e.g. the sky')
    parser.add_argument('--no-fill-holes', action='store_true',
                        help='keep invalid disparity inside the scene as '
                        'far away instead of filling it from neighbours')
    parser.add_argument('--skip-existing', action='store_true',
                        help='keep weather images that already exist')
    parser.add_argument('--nproc', type=int, default=1,
                        help='worker processes (default: 1)')
    args = parser.parse_args(argv)
    if args.nproc < 1:
        parser.error(f'--nproc must be >= 1, got {args.nproc}')
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    start = time.time()
    written = synthesize_weather(
        args.root, splits=args.splits,
        rain_params=None if args.no_rain else args.rain_params,
        patterns=args.patterns,
        fog_betas=None if args.no_fog else args.fog_betas, seed=args.seed,
        depth_dir=args.depth_dir, depth_png_scale=args.depth_png_scale,
        invalid_depth=args.invalid_depth,
        fill_holes=not args.no_fill_holes, out_root=args.out_root,
        overwrite=not args.skip_existing, nproc=args.nproc,
        show_progress=True)
    skipped = (f', kept {len(written["skipped"])} existing'
               if written['skipped'] else '')
    print(f'\nwrote {len(written["rain"])} rainy and {len(written["fog"])} '
          f'foggy images{skipped} in {time.time() - start:.1f} s')


if __name__ == '__main__':
    main()
