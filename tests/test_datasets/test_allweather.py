import os.path as osp

import pytest

from mofme_mm.datasets import AllWeatherDataset
from mofme_mm.datasets.allweather import gt_path_of, infer_weather


def test_gt_path_replaces_the_input_folder_only():
    assert gt_path_of('./allweather/input/0_rain.jpg') == \
        './allweather/gt/0_rain.jpg'
    assert gt_path_of('input/a/input/input_x.png') == 'input/a/gt/input_x.png'
    with pytest.raises(ValueError, match='no .input. folder'):
        gt_path_of('./allweather/0_rain.jpg')


@pytest.mark.parametrize('list_name, path, weather', [
    ('allweather.txt', './allweather/input/im_0001_s80_a04.png', 'rain'),
    ('allweather.txt', './allweather/input/beautiful_smile_00001.jpg', 'snow'),
    ('allweather.txt', './allweather/input/train_station_00002.jpg', 'snow'),
    ('allweather.txt', './allweather/input/0_rain.png', 'raindrop'),
    ('allweather.txt', './data/snow/input/x.png', 'snow'),
    ('snowtest100k_L.txt', './x/input/city_read_00001.jpg', 'snow'),
    ('raindroptesta.txt', './x/input/2_rain.png', 'raindrop'),
    ('test1.txt', './x/input/im_0002_s85_a05.png', 'rain'),
])
def test_weather_rule(list_name, path, weather):
    assert infer_weather(list_name, path) == weather


def test_mixed_train_list(toy_allweather_root):
    ds = AllWeatherDataset(data_root=toy_allweather_root,
                           ann_file='allweather.txt')
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    assert [i['weather'] for i in infos] == ['rain', 'snow', 'raindrop',
                                             'raindrop']
    for info in infos:
        assert osp.isfile(info['img_path']) and osp.isfile(info['gt_path'])
        assert info['gt_path'] == info['img_path'].replace(
            f'{osp.sep}input{osp.sep}', f'{osp.sep}gt{osp.sep}')


@pytest.mark.parametrize('ann_file, weather', [
    ('snowtest100k_L.txt', 'snow'), ('raindroptesta.txt', 'raindrop'),
    ('test1.txt', 'rain')])
def test_test_lists(toy_allweather_root, ann_file, weather):
    ds = AllWeatherDataset(data_root=toy_allweather_root, ann_file=ann_file)
    assert len(ds) == 2
    assert {ds.get_data_info(i)['weather'] for i in range(2)} == {weather}


def test_weather_override(toy_allweather_root):
    ds = AllWeatherDataset(data_root=toy_allweather_root,
                           ann_file='allweather.txt', weather='snow')
    assert {ds.get_data_info(i)['weather'] for i in range(len(ds))} == {'snow'}


def test_errors(toy_allweather_root, tmp_path):
    with pytest.raises(FileNotFoundError, match='missing.txt'):
        AllWeatherDataset(data_root=toy_allweather_root,
                          ann_file='missing.txt')
    (tmp_path / 'empty.txt').write_text('\n')
    with pytest.raises(ValueError, match='no samples found in .*empty.txt'):
        AllWeatherDataset(data_root=str(tmp_path), ann_file='empty.txt')
    (tmp_path / 'pairs.txt').write_text('./a/input/x.png\n./a/input/y.png\n')
    with pytest.raises(FileNotFoundError, match='2 of 2 inputs'):
        AllWeatherDataset(data_root=str(tmp_path), ann_file='pairs.txt')
