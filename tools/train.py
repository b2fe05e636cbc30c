"""Train a deweathering model (mmseg's tools/train.py interface).

Example:
    python tools/train.py configs/toy/mofme_raincityscapes_toy.py
"""
import argparse
import logging

import torch
from mmengine.logging import print_log
from mmengine.runner import Runner

import mofme_mm  # noqa: F401  (registers modules, torch.load compat)
from mofme_mm.engine.runner_setup import (
    check_data_roots,
    load_config,
    parse_runner_args,
    setup_cpu_distributed,
    teardown_distributed,
)
from mofme_mm.registry import RUNNERS
from mofme_mm.utils.package_configs import config_argument


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a deweathering model')
    parser.add_argument('config', type=config_argument,
                        help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        action='store_true',
        default=False,
        help='resume from the latest checkpoint in the work_dir automatically')
    parser.add_argument(
        '--amp',
        action='store_true',
        default=False,
        help='enable automatic-mixed-precision training')
    return parse_runner_args(parser)


def main() -> None:
    args = parse_args()
    cfg = load_config(args)

    if args.amp:
        if not torch.cuda.is_available():
            raise ValueError('--amp needs a CUDA GPU (mmengine\'s '
                             'AmpOptimWrapper); train without it on CPU.')
        optim_wrapper = cfg.optim_wrapper.type
        if optim_wrapper == 'AmpOptimWrapper':
            print_log('AMP training is already enabled in your config.',
                      logger='current', level=logging.WARNING)
        else:
            if optim_wrapper != 'OptimWrapper':
                raise ValueError('--amp needs optim_wrapper.type to be '
                                 f"'OptimWrapper', got {optim_wrapper!r}.")
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.loss_scale = 'dynamic'

    cfg.resume = args.resume
    loaders = ['train_dataloader']
    if cfg.get('val_cfg') is not None:
        loaders.append('val_dataloader')
    check_data_roots(cfg, loaders)
    setup_cpu_distributed(cfg, args.launcher)

    if 'runner_type' not in cfg:
        runner = Runner.from_cfg(cfg)
    else:
        runner = RUNNERS.build(cfg)
    runner.train()
    teardown_distributed()


if __name__ == '__main__':
    main()
