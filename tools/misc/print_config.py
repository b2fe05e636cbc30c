"""Print a config as the tools run it (bases merged, ``--cfg-options`` applied).

The options follow tools/train.py and tools/test.py (undotted keys set every
field of that name, e.g. ``data_root=DIR``; a key that reaches nothing is an
error), so what is printed is what those tools would run. mofme_mm is
imported first, so ``mofme_mm::`` bases resolve.

Example:
    python tools/misc/print_config.py configs/toy/seg_fcn_toy_cityscapes_mofme.py \\
        --cfg-options data_root=data/toy_cityscapes --save-path full.py
"""
import argparse

from mmengine.config import Config, DictAction

import mofme_mm  # noqa: F401  (registers `mofme_mm::` config paths)
from mofme_mm.engine.runner_setup import apply_cfg_options
from mofme_mm.utils.atomic_write import atomic_output
from mofme_mm.utils.package_configs import config_argument

SUFFIXES = ('.py', '.json', '.yaml', '.yml')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Print the whole config (bases merged, options applied)')
    parser.add_argument('config', type=config_argument,
                        help='config file path')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='key=value overrides, with the rules of tools/train.py and '
        'tools/test.py --cfg-options')
    parser.add_argument(
        '--save-path',
        help=f'also write the full config there ({", ".join(SUFFIXES)})')
    return parser.parse_args()


def full_config(config: str, cfg_options: dict = None) -> Config:
    """Load ``config`` and apply ``cfg_options`` as our tools do.

    Args:
        config (str): The config file.
        cfg_options (dict, optional): ``--cfg-options``. Defaults to None.

    Returns:
        Config: The merged config.
    """
    cfg = Config.fromfile(config)
    if cfg_options:
        apply_cfg_options(cfg, cfg_options)
    return cfg


def save_config(cfg: Config, path: str, config: str) -> None:
    """Write ``cfg`` to ``path`` atomically, in the format of its suffix.

    Args:
        cfg (Config): The config.
        path (str): Destination (.py, .json, .yaml or .yml).
        config (str): The source config file, which is never replaced.
    """
    if not path.endswith(SUFFIXES):
        raise ValueError(f'--save-path {path!r}: the suffix picks the format; '
                         f'use one of {", ".join(SUFFIXES)}')
    with atomic_output(path, protect=[config]) as tmp:
        cfg.dump(tmp)


def main() -> None:
    args = parse_args()
    cfg = full_config(args.config, args.cfg_options)
    print(f'Config:\n{cfg.pretty_text}')
    if args.save_path:
        save_config(cfg, args.save_path, args.config)
        print(f'saved to {args.save_path}')


if __name__ == '__main__':
    main()
