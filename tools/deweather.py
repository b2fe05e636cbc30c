"""Restore weathered images, folders of images or videos with a trained model.

Full frames are restored tile by tile (the model's ``test_cfg`` when it
tiles, otherwise 256 x 256 tiles; ``--tile-*`` override it), so any frame
size works and memory stays bounded by the tile batch. The work is done by
:class:`mofme_mm.apis.MoFMEInferencer`.

Outputs, under ``--out-dir``, mirror the inputs: each input's path is taken
relative to the deepest folder holding all inputs (a folder input counts from
its parent, so its name is kept): ``frames/`` -> ``OUT/frames/0001.png``;
``d1/frames d2/frames`` -> ``OUT/d1/frames/...``, ``OUT/d2/frames/...``;
``a/0001.png b/0001.png`` -> ``OUT/a/0001.png``, ``OUT/b/0001.png``. Every
output keeps its input's file name and format (16-bit stays 16-bit, grey stays
grey, alpha is kept; JPEG is written at quality 95, WebP lossless); a video
keeps its container (mp4, m4v, mov, mkv: mp4v; avi: MJPG; webm: VP8), other
containers get ``.mp4`` appended. Hidden files (``.name``) in folders are
skipped; a file listed twice is restored once.

Guarantees: no input is ever overwritten (a run whose outputs would replace
inputs, or where two inputs would share an output, is refused before
anything is restored); the output folder is checked once, up front; every
file is written to a temporary name and renamed when complete, so an
interrupted run leaves no half-written file; a truncated image (JPEG without
its end marker, PNG without IEND...) or a video that yields fewer frames than
its container announces is reported as failed, not restored. Failed inputs
are listed at the end and make the exit code 1; the printed count is the
number of files written. Setup errors (bad flags, a config that is not a
restorer, an unusable output folder, clashing outputs) exit with code 2.

Examples:
    python tools/deweather.py rainy.png --config CFG --checkpoint CKPT \\
        --out-dir restored/
    python tools/deweather.py frames_dir/ drive.mp4 --config CFG \\
        --checkpoint CKPT --out-dir restored/ --tile-overlap 32
    python tools/deweather.py frames_dir/ --config CFG --checkpoint CKPT \\
        --out-dir restored/ --precision bf16
    python tools/deweather.py frames_dir/ --config CFG --checkpoint CKPT \\
        --out-dir restored/ --save-uncertainty   # + NAME_uncertainty.png

``--save-uncertainty`` writes next to each restored image its routing
uncertainty map, ``NAME_uncertainty.png`` for output ``NAME.ext`` (8-bit grey,
255 = the image's most uncertain pixel; images only, models with the
uncertainty-aware router only; docs/restorer_quality.md).
"""
import argparse
import os.path as osp
import sys
from typing import List, Optional

import torch

from mofme_mm.apis import (
    MoFMEInferencer,
    check_device,
    collect_inputs,
    load_restorer_config,
    plan_outputs,
    tiling_cfg,
)
from mofme_mm.apis.mofme_inferencer import check_uncertainty_plan
from mofme_mm.models.restorers.precision import (
    PRECISIONS,
    check_precision_supported,
)
from mofme_mm.utils.output_guard import check_writable_dir
from mofme_mm.utils.package_configs import config_argument


def _int_type(minimum: int, what: str):

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(
                f'must be an integer >= {minimum} ({what}), got {text!r}')
        return value

    return parse


def _device_type(text: str) -> str:
    try:
        check_device(text, fix='pass --device cpu')
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error
    return text


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser (flags validated as they are parsed)."""
    parser = argparse.ArgumentParser(
        description='Deweather images, image folders or videos')
    parser.add_argument(
        'inputs', nargs='+', help='image files, folders and/or video files')
    parser.add_argument('--config', required=True, type=config_argument,
                        help='restorer config file (its model is a '
                        'DeweatherRestorer)')
    parser.add_argument(
        '--checkpoint', required=True, help='checkpoint written by training')
    parser.add_argument(
        '--out-dir', required=True,
        help='folder for the restored outputs (must not hold the inputs)')
    parser.add_argument(
        '--device', type=_device_type,
        default='cuda' if torch.cuda.is_available() else 'cpu',
        help='torch device (default: cuda when available, else cpu)')
    parser.add_argument(
        '--tile-size', type=_int_type(1, 'pixels per tile side, e.g. 256'),
        help='tile side (default: config or 256)')
    parser.add_argument(
        '--tile-overlap',
        type=_int_type(0, 'pixels shared by neighbouring tiles, at most '
                       'half the tile size'),
        help='overlap of neighbouring tiles, blended smoothly (default: '
        'config or 0, the paper\'s non-overlapping tiles)')
    parser.add_argument(
        '--tile-batch-size', type=_int_type(1, 'tiles per forward pass'),
        help='tiles per forward pass (default: config or 8)')
    parser.add_argument(
        '--precision', choices=PRECISIONS,
        help='autocast precision of the restorer (default: config or fp32); '
        'bf16 pays off on CPUs with avx512_bf16 / amx_bf16 and on GPUs of '
        'compute capability 8.0+, fp16 on GPUs (docs/deployment.md)')
    parser.add_argument(
        '--save-uncertainty', action='store_true',
        help='also write each restored image\'s routing uncertainty map as '
        'NAME_uncertainty.png next to it (uncertainty-aware router only)')
    return parser


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parse the command line (``argv`` defaults to ``sys.argv[1:]``)."""
    return build_parser().parse_args(argv)


def _tile_cfg(parser: argparse.ArgumentParser, args, model_cfg) -> dict:
    """The tiling of the run, with errors naming the flags."""
    config_cfg = dict(model_cfg.get('test_cfg') or {})
    tile_size = args.tile_size or (config_cfg.get('tile_size', 256) if
                                   config_cfg.get('mode') == 'tile' else 256)
    overlap = (args.tile_overlap if args.tile_overlap is not None else
               config_cfg.get('tile_overlap', 0))
    if isinstance(overlap, int) and isinstance(tile_size, int) and (
            2 * overlap > tile_size):
        source = ('--tile-size' if args.tile_size else
                  f'the tile size of {args.config}')
        parser.error(f'--tile-overlap {overlap} must be at most half the '
                     f'tile size ({tile_size}, {source}): lower '
                     '--tile-overlap or raise --tile-size')
    try:
        return tiling_cfg(config_cfg, tile_size, args.tile_overlap,
                          args.tile_batch_size, force_tile=True)
    except (KeyError, ValueError) as error:
        parser.error(f'--config {args.config}: {error}')


def main(argv: Optional[List[str]] = None) -> int:
    """Run the tool; returns the exit code (0 ok, 1 failed inputs, 2 setup)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        cfg = load_restorer_config(args.config)
    except (FileNotFoundError, KeyError, TypeError) as error:
        parser.error(f'--config: {error}')
    test_cfg = _tile_cfg(parser, args, cfg.model)
    if args.precision:
        test_cfg['precision'] = args.precision
    try:
        check_precision_supported(test_cfg['precision'], args.device)
    except ValueError as error:
        parser.error(f'--precision / --config {args.config}: {error}')
    if not osp.isfile(args.checkpoint):
        parser.error(f'--checkpoint {args.checkpoint!r} does not exist: pass '
                     'the .pth file written when training this restorer')

    # Everything about the outputs is checked before the model is built.
    items = collect_inputs(args.inputs)
    try:
        plan_outputs(items, args.out_dir)
        check_writable_dir(args.out_dir)
    except (OSError, ValueError) as error:
        print(f'deweather.py: error: --out-dir: {error}', file=sys.stderr)
        return 2
    try:
        inferencer = MoFMEInferencer(cfg, weights=args.checkpoint,
                                     device=args.device, show_progress=True)
    except (OSError, KeyError, TypeError, ValueError, RuntimeError) as error:
        print(f'deweather.py: error: cannot build the restorer of '
              f'{args.config} with {args.checkpoint}: {error}',
              file=sys.stderr)
        return 2
    inferencer.model.test_cfg = test_cfg
    if args.save_uncertainty:
        try:
            inferencer.model.check_uncertainty_support()
            check_uncertainty_plan(items, plan_outputs(items, args.out_dir))
        except ValueError as error:
            print(f'deweather.py: error: --save-uncertainty: {error}',
                  file=sys.stderr)
            return 2
    result = inferencer(items, out_dir=args.out_dir, return_arrays=False,
                        errors='report',
                        save_uncertainty=args.save_uncertainty)

    predictions = result['predictions']
    done = [pred for pred in predictions if pred['error'] is None]
    frames = sum(pred['frames'] for pred in done if pred['kind'] == 'video')
    videos = sum(pred['kind'] == 'video' for pred in done)
    extra = f' ({videos} video(s), {frames} frames)' if videos else ''
    print(f'restored {len(done)} of {len(predictions)} inputs{extra} into '
          f'{args.out_dir}')
    failed = [pred for pred in predictions if pred['error'] is not None]
    if failed:
        print(f'{len(failed)} input(s) failed, nothing written for them:',
              file=sys.stderr)
        for pred in failed:
            print(f"  {pred['input']}: {pred['error']}", file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
