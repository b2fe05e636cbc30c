import pytest

from mofme_mm.datasets.cityscapes_naming import (
    city_of,
    fog_image_name,
    parse_fog_name,
    parse_rain_name,
    rain_image_name,
    read_refined_list,
    scan_fog_images,
    scan_rain_images,
)


def test_rain_name_matches_real_pattern_and_round_trips():
    name = rain_image_name('aachen_000004_000019', 0.01, 0.005, 0.01, 1)
    assert name == ('aachen_000004_000019_leftImg8bit_rain_alpha_0.01_beta_'
                    '0.005_dropsize_0.01_pattern_1.png')
    info = parse_rain_name(name)
    assert info == dict(frame_id='aachen_000004_000019', alpha=0.01,
                        beta=0.005, dropsize=0.01, pattern=1)
    assert parse_rain_name(
        'x_000000_000019_leftImg8bit_rain_alpha_0.03_beta_0.015_dropsize_'
        '0.002_pattern_12.png')['pattern'] == 12


def test_fog_name_matches_real_pattern_and_round_trips():
    name = fog_image_name('munster_000010_000019', 0.02)
    assert name == 'munster_000010_000019_leftImg8bit_foggy_beta_0.02.png'
    assert parse_fog_name(name) == dict(frame_id='munster_000010_000019',
                                        beta=0.02)
    assert parse_fog_name('munster_000010_000019_leftImg8bit.png') is None
    assert parse_rain_name(name) is None


def test_city_of_handles_underscored_city_names():
    assert city_of('frankfurt_000000_000294') == 'frankfurt'
    assert city_of('my_city_000001_000019') == 'my_city'


def test_scans_filter_by_parameters(toy_cityscapes_root):
    root = toy_cityscapes_root
    everything = scan_rain_images(f'{root}/leftImg8bit_rain/train')
    assert len(everything) == 4 * 2 * 2  # frames x triples x patterns
    one = scan_rain_images(f'{root}/leftImg8bit_rain/train',
                           params=[(0.02, 0.01, 0.005)], patterns=[2])
    assert len(one) == 4
    assert all(s['alpha'] == 0.02 and s['pattern'] == 2 for s in one)
    fog = scan_fog_images(f'{root}/leftImg8bit_foggy/val', betas=[0.02])
    assert [s['beta'] for s in fog] == [0.02, 0.02]


def test_refined_list_parsing_and_errors(tmp_path):
    path = tmp_path / 'refined.txt'
    path.write_text('train/aachen/aachen_000004_000019\n\n'
                    'val/lindau/lindau_000001_000019\n')
    assert read_refined_list(str(path)) == dict(
        train={'aachen_000004_000019'}, val={'lindau_000001_000019'})
    path.write_text('aachen_000004_000019\n')
    with pytest.raises(ValueError, match='line 1'):
        read_refined_list(str(path))
    with pytest.raises(FileNotFoundError, match='refined_list=None'):
        read_refined_list(str(tmp_path / 'missing.txt'))
