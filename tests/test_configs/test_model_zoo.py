"""The model zoo: model-index.yml, one README.md + metafile.yml per model
folder (OpenMMLab's format), read by openmim's own loader."""
import glob
import os.path as osp

import pytest
from mim.commands.search import convert2df
from mmengine.fileio import load
from modelindex.load_model_index import load as load_model_index

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
INDEX = osp.join(REPO, 'model-index.yml')


def model_folders():
    """Folders under configs/ holding configs, bases excluded."""
    folders = set()
    for path in glob.glob(osp.join(REPO, 'configs', '**', '*.py'),
                          recursive=True):
        rel = osp.relpath(osp.dirname(path), REPO)
        if '_base_' not in rel.split(osp.sep):
            folders.add(rel)
    return sorted(folders)


def metafiles():
    return load(INDEX)['Import']


def test_every_model_folder_has_a_readme_and_an_imported_metafile():
    folders = model_folders()
    assert 'configs' in folders and 'configs/toy' in folders
    assert sorted(metafiles()) == sorted(
        osp.join(folder, 'metafile.yml') for folder in folders)
    for folder in folders:
        assert osp.isfile(osp.join(REPO, folder, 'README.md')), folder


@pytest.mark.parametrize('metafile', metafiles())
def test_metafile_lists_every_config_of_its_folder(metafile):
    meta = load(osp.join(REPO, metafile))
    folder = osp.dirname(metafile)
    collections = {c['Name']: c for c in meta['Collections']}
    for collection in collections.values():
        assert osp.isfile(osp.join(REPO, collection['README']))
    configs = sorted(model['Config'] for model in meta['Models'])
    assert configs == sorted(
        osp.relpath(path, REPO)
        for path in glob.glob(osp.join(REPO, folder, '*.py')))
    with open(osp.join(REPO, folder, 'README.md')) as f:
        readme = f.read()
    for model in meta['Models']:
        assert model['In Collection'] in collections
        assert model['Name'] == osp.splitext(osp.basename(model['Config']))[0]
        assert f"{model['Name']}.py" in readme, (
            f"{folder}/README.md does not mention {model['Name']}")
        # measured here (with the numbers) or said not to be
        trained = model['Metadata']['Trained here']
        assert trained == bool(model.get('Results')), model['Name']
        assert 'Weights' in model, model['Name']


def test_openmim_reads_the_index():
    index = load_model_index(INDEX)
    names = [model.name for model in index.models]
    assert len(names) == len(set(names))
    assert {'mofme_raincityscapes', 'mofme_allweather',
            'mofme_raincityscapes_toy'} <= set(names)
    table = convert2df(index)
    assert table.loc['mofme_toy_demo_restorer',
                     'toy cityscapes rain (val)/psnr'] == 24.34
    assert table.loc['mofme_e128_allweather', 'parameters(M)'] == 84.75
