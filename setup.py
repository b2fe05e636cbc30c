"""Install mofme_mm as the OpenMMLab packages install themselves.

configs/, tools/ and model-index.yml go into the package as ``mofme_mm/.mim/``
(where ``mim train mofme_mm CONFIG``, ``mim test`` and mmengine's
``mofme_mm::`` config paths look): a wheel (``pip install .``,
``pip wheel .``) gets copies, an editable install (``pip install -e .``)
gets symlinks in the checkout, so edits show at once. The source tree is
only written in editable mode.

``install_requires`` holds the supported ranges of mmengine and mmcv
(mofme_mm/version.py) and requirements/runtime.txt; mmseg and mmdet are
extras (``pip install "mofme-mm[seg]"``, ``[det]``, ``[all]``). ``make
install`` installs the pinned, tested stack instead (requirements/*.txt, in
order, mmcv built with its ops).
"""
import os
import os.path as osp
import shutil

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py
from setuptools.command.develop import develop

HERE = osp.dirname(osp.abspath(__file__))
PACKAGE = 'mofme_mm'
# What OpenMMLab tools expect in <package>/.mim (mmseg and mmdet ship these).
MIM_ITEMS = ('configs', 'tools', 'model-index.yml')
NOT_SHIPPED = shutil.ignore_patterns('__pycache__', '*.pyc', '*.pyo')


def read_version_file() -> dict:
    """The names defined by mofme_mm/version.py (read without importing
    the package, which needs the mm stack)."""
    namespace = {}
    with open(osp.join(HERE, PACKAGE, 'version.py')) as f:
        exec(f.read(), namespace)
    return namespace


def read_requirements(path: str) -> list:
    with open(osp.join(HERE, path)) as f:
        lines = (line.split('#')[0].strip() for line in f)
        return [line for line in lines if line]


def requirement(name: str, supported: tuple) -> str:
    minimum, maximum = supported
    return f'{name}>={minimum},<{maximum}'


def link_mim_items() -> None:
    """Editable install: ``mofme_mm/.mim/<item>`` -> ``../../<item>``."""
    mim_dir = osp.join(HERE, PACKAGE, '.mim')
    os.makedirs(mim_dir, exist_ok=True)
    for item in MIM_ITEMS:
        source = osp.join(HERE, item)
        if not osp.exists(source):
            raise FileNotFoundError(f'setup.py: {source} is missing; the '
                                    f'package ships it in {PACKAGE}/.mim')
        target = osp.join(mim_dir, item)
        if osp.islink(target) or osp.isfile(target):
            os.remove(target)
        elif osp.isdir(target):
            shutil.rmtree(target)
        os.symlink(osp.relpath(source, mim_dir), target)


def copy_mim_items(package_dir: str) -> None:
    """Wheel: copy the items into ``<package_dir>/.mim`` of the build."""
    mim_dir = osp.join(package_dir, '.mim')
    if osp.islink(mim_dir):
        os.remove(mim_dir)
    elif osp.isdir(mim_dir):
        shutil.rmtree(mim_dir)  # a previous build's copies
    os.makedirs(mim_dir)
    for item in MIM_ITEMS:
        source = osp.join(HERE, item)
        if not osp.exists(source):
            raise FileNotFoundError(f'setup.py: {source} is missing; the '
                                    f'package ships it in {PACKAGE}/.mim')
        target = osp.join(mim_dir, item)
        if osp.isdir(source):
            shutil.copytree(source, target, ignore=NOT_SHIPPED)
        else:
            shutil.copyfile(source, target)


class BuildPyWithMim(build_py):
    """build_py that adds ``mofme_mm/.mim`` (copies; links when editable)."""

    def run(self) -> None:
        super().run()
        if getattr(self, 'editable_mode', False):
            link_mim_items()
        else:
            copy_mim_items(osp.join(self.build_lib, PACKAGE))


class DevelopWithMim(develop):
    """Legacy ``setup.py develop`` (``pip install -e . --no-use-pep517``)."""

    def run(self) -> None:
        link_mim_items()
        super().run()


version_file = read_version_file()
seg_requires = [requirement('mmsegmentation', version_file['MMSEG_RANGE']),
                'ftfy', 'regex']  # mmseg imports both without declaring them
det_requires = [requirement('mmdet', version_file['MMDET_RANGE'])]

setup(
    name='mofme-mm',
    version=version_file['__version__'],
    description='MoFME deweathering (feature-modulated mixture-of-experts '
    'with an uncertainty-aware router) as an OpenMMLab plugin',
    long_description=open(osp.join(HERE, 'README.md')).read(),
    long_description_content_type='text/markdown',
    license='Apache License 2.0',
    packages=find_packages(exclude=('configs', 'configs.*', 'tools',
                                    'tools.*', 'tests', 'tests.*')),
    include_package_data=False,  # .mim is added by BuildPyWithMim
    python_requires='>=3.8',
    install_requires=[
        requirement('mmengine', version_file['MMENGINE_RANGE']),
        requirement('mmcv', version_file['MMCV_RANGE']),
    ] + read_requirements('requirements/runtime.txt'),
    extras_require=dict(
        seg=seg_requires,
        det=det_requires,
        all=seg_requires + det_requires,
        tests=read_requirements('requirements/tests.txt')),
    cmdclass=dict(build_py=BuildPyWithMim, develop=DevelopWithMim),
    zip_safe=False,
)
