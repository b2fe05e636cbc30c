"""Tests of mofme_mm.utils.package_configs: config arguments of the tools."""
import argparse
import os.path as osp

import pytest

from mofme_mm.utils.package_configs import config_argument, installed_configs_dir

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_config_argument_returns_an_existing_file_unchanged():
    path = osp.join(REPO, 'configs', 'mofme_raincityscapes.py')
    assert config_argument(path) == path


def test_config_argument_resolves_a_shipped_config():
    resolved = config_argument('mofme_mm::toy/mofme_toy_demo_restorer.py')
    assert resolved == osp.join(installed_configs_dir(), 'toy',
                                'mofme_toy_demo_restorer.py')
    assert osp.isfile(resolved)


@pytest.mark.parametrize('path', ['configs/no_such_config.py', REPO])
def test_config_argument_refuses_what_is_not_a_config_file(path):
    with pytest.raises(argparse.ArgumentTypeError, match='does not exist'):
        config_argument(path)


def test_config_argument_lists_close_names_of_a_misspelt_shipped_config():
    with pytest.raises(argparse.ArgumentTypeError,
                       match='close names: .*mofme_raincityscapes.py'):
        config_argument('mofme_mm::mofme_raincityscape.py')
