"""A small procedural Cityscapes look-alike with its rain and fog versions."""
import json
import os.path as osp
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from mofme_mm.utils.atomic_write import atomic_write_bytes

from ..cityscapes_naming import (
    CAMERA_DIR,
    CAMERA_SUFFIX,
    CLEAN_DIR,
    CLEAN_SUFFIX,
    DISPARITY_DIR,
    DISPARITY_SUFFIX,
    FOG_BETAS,
    INSTANCE_IDS_SUFFIX,
    LABEL_DIR,
    LABEL_IDS_SUFFIX,
    LABEL_SUFFIX,
    POLYGONS_SUFFIX,
    RAIN_PARAMS,
    frame_file,
)
from .depth import depth_to_disparity, write_camera
from .street_scene import render_street_scene
from .weather_root import synthesize_weather, write_image

TRAIN_CITIES = ('aachen', 'bochum', 'bremen')
VAL_CITIES = ('lindau', 'munster')
TEST_CITIES = ('berlin', 'bielefeld')
REFINED_LIST = 'foggy_trainval_refined_filenames.txt'


def write_frame(root: str, split: str, frame_id: str, scene: dict) -> None:
    """Write the Cityscapes files of one rendered frame.

    Args:
        root (str): dataset root.
        split (str): ``'train'``, ``'val'`` or ``'test'``.
        frame_id (str): ``{city}_{seq}_{frame}``.
        scene (dict): output of :func:`render_street_scene`.
    """
    write_image(frame_file(root, CLEAN_DIR, split, frame_id, CLEAN_SUFFIX),
                scene['image'])
    for suffix, key in ((LABEL_SUFFIX, 'label'),
                        (LABEL_IDS_SUFFIX, 'label_ids'),
                        (INSTANCE_IDS_SUFFIX, 'instance_ids')):
        write_image(frame_file(root, LABEL_DIR, split, frame_id, suffix),
                    scene[key])
    atomic_write_bytes(
        frame_file(root, LABEL_DIR, split, frame_id, POLYGONS_SUFFIX),
        json.dumps(scene['polygons']).encode())
    cam = scene['camera']
    write_image(frame_file(root, DISPARITY_DIR, split, frame_id,
                           DISPARITY_SUFFIX),
                depth_to_disparity(scene['depth'], cam['baseline'],
                                   cam['fx']))
    write_camera(frame_file(root, CAMERA_DIR, split, frame_id,
                            CAMERA_SUFFIX), **cam)


def make_toy_cityscapes(
    out_dir: str,
    num_train: int = 12,
    num_val: int = 6,
    num_test: int = 2,
    size: Tuple[int, int] = (512, 256),
    seed: int = 0,
    train_cities: Sequence[str] = TRAIN_CITIES,
    val_cities: Sequence[str] = VAL_CITIES,
    test_cities: Sequence[str] = TEST_CITIES,
    rain_params: Optional[Sequence[Sequence[float]]] = RAIN_PARAMS,
    patterns: Sequence[int] = (1, 2),
    fog_betas: Optional[Sequence[float]] = FOG_BETAS,
) -> Dict[str, object]:
    """Generate a toy Cityscapes / RainCityscapes / Foggy Cityscapes tree.

    Writes ``leftImg8bit``, ``gtFine`` (``_gtFine_polygons.json`` and,
    rasterised from them as cityscapesscripts does, ``_gtFine_labelIds.png``,
    ``_gtFine_instanceIds.png`` and ``_gtFine_labelTrainIds.png``),
    ``disparity`` (16-bit, ``(p - 1) / 256``), ``camera`` jsons for the
    train, val and test splits; for train and val the rain versions
    ``leftImg8bit_rain`` (one per parameter triple and pattern), the fog
    versions ``leftImg8bit_foggy`` (one per beta) and a refined-list file
    ``foggy_trainval_refined_filenames.txt`` naming every other frame, all
    with the real file names. mmseg's and mmdet's
    ``tools/dataset_converters/cityscapes.py`` accept the tree as it is (the
    latter needs at least one test frame). Deterministic given ``seed``.

    Args:
        out_dir (str): output root.
        num_train (int): train frames, spread over ``train_cities``.
            Defaults to 12.
        num_val (int): val frames, spread over ``val_cities``. Defaults to 6.
        num_test (int): test frames (no weather versions), spread over
            ``test_cities``. Defaults to 2.
        size (tuple[int, int]): frame ``(width, height)``. Defaults to
            (512, 256).
        seed (int): random seed. Defaults to 0.
        train_cities (Sequence[str]): train city names.
        val_cities (Sequence[str]): val city names (distinct from train).
        test_cities (Sequence[str]): test city names (distinct from both).
        rain_params (Sequence[tuple] | None): rain ``(alpha, beta,
            dropsize)`` triples. Defaults to the three RainCityscapes ones.
        patterns (Sequence[int]): rain patterns. Defaults to (1, 2).
        fog_betas (Sequence[float] | None): fog betas. Defaults to all three.

    Returns:
        dict: ``root``, ``frames`` (dict ``train``/``val``/``test`` -> list
        of frame ids), ``rain`` and ``fog`` (lists of written weather
        images).
    """
    width, height = int(size[0]), int(size[1])
    if width < 32 or height < 16:
        raise ValueError(f'size {size} too small: use at least 32 x 16.')
    city_sets = (set(train_cities), set(val_cities), set(test_cities))
    if sum(len(c) for c in city_sets) != len(set.union(*city_sets)):
        raise ValueError('train_cities, val_cities and test_cities must be '
                         'distinct.')
    rng = np.random.default_rng(seed)
    frames: Dict[str, list] = dict(train=[], val=[], test=[])
    # Test frames last: train/val frames do not depend on num_test.
    for split, count, cities in (('train', num_train, train_cities),
                                 ('val', num_val, val_cities),
                                 ('test', num_test, test_cities)):
        for i in range(int(count)):
            city = cities[i % len(cities)]
            frame_id = f'{city}_{i // len(cities):06d}_000019'
            write_frame(out_dir, split, frame_id,
                        render_street_scene(height, width, rng))
            frames[split].append(frame_id)
    with open(osp.join(out_dir, REFINED_LIST), 'w') as f:
        for split in ('train', 'val'):
            for frame_id in frames[split][::2]:
                f.write(f'{split}/{frame_id.rsplit("_", 2)[0]}/{frame_id}\n')
    written = synthesize_weather(
        out_dir, splits=[s for s in ('train', 'val') if frames[s]],
        rain_params=rain_params, patterns=patterns, fog_betas=fog_betas,
        seed=seed)
    return dict(root=out_dir, frames=frames, **written)
