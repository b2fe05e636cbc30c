import pytest

from mofme_mm.datasets import MultiWeatherDataset
from mofme_mm.registry import DATASETS


def test_rain_plus_fog_keep_their_weather(toy_cityscapes_root):
    ds = DATASETS.build(dict(
        type='MultiWeatherDataset',
        datasets=[
            dict(type='RainCityscapesDataset', data_root=toy_cityscapes_root,
                 split='val', patterns=[1]),
            dict(type='FoggyCityscapesDataset',
                 data_root=toy_cityscapes_root, split='val', betas=[0.02]),
        ]))
    assert isinstance(ds, MultiWeatherDataset)
    assert len(ds) == 4 + 2
    weathers = [ds.get_data_info(i)['weather'] for i in range(len(ds))]
    assert weathers == ['rain'] * 4 + ['fog'] * 2
    assert ds.weathers == ['fog', 'rain']
    assert 'beta' in ds.get_data_info(5) and 'pattern' in ds.get_data_info(0)


def test_relabelled_part(toy_cityscapes_root, toy_allweather_root):
    ds = MultiWeatherDataset([
        dict(type='AllWeatherDataset', data_root=toy_allweather_root,
             ann_file='test1.txt', weather='rain'),
        dict(type='FoggyCityscapesDataset', data_root=toy_cityscapes_root,
             split='val', betas=[0.01], weather='haze'),
    ])
    assert ds.weathers == ['haze', 'rain']


def test_empty_is_an_error():
    with pytest.raises(ValueError, match='at least one'):
        MultiWeatherDataset([])
