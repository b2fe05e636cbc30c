import json

import numpy as np
import pytest
from cityscapesscripts.helpers.labels import name2label
from cityscapesscripts.preparation.json2instanceImg import createInstanceImage
from cityscapesscripts.preparation.json2labelImg import createLabelImage
from PIL import Image, ImageDraw

from mofme_mm.datasets.synthesis import render_street_scene
from mofme_mm.datasets.synthesis.street_scene import (
    clip_polygon,
    integer_polygon,
)


def test_scene_is_deterministic_and_consistent():
    a = render_street_scene(96, 192, np.random.default_rng(3))
    b = render_street_scene(96, 192, np.random.default_rng(3))
    np.testing.assert_array_equal(a['image'], b['image'])
    np.testing.assert_array_equal(a['label'], b['label'])
    label, depth = a['label'], a['depth']
    assert a['image'].shape == (96, 192, 3) and a['image'].dtype == np.uint8
    assert label.max() <= 18
    assert {0, 1, 2}.issubset(set(np.unique(label)))  # road, sidewalk, bldg
    # Sky (10) is exactly the infinitely far region.
    np.testing.assert_array_equal(label == 10, np.isinf(depth))
    # The road gets farther towards the horizon (up the image).
    col = label.shape[1] // 2
    road_rows = np.where(label[:, col] == 0)[0]
    road_depth = depth[road_rows, col]
    assert np.all(np.diff(road_depth[::-1]) > 0)
    # Textured: restoring it is not trivial.
    road = a['image'][label == 0].astype(float)
    assert road.std() > 3


def test_scenes_differ_across_seeds():
    a = render_street_scene(64, 128, np.random.default_rng(0))
    b = render_street_scene(64, 128, np.random.default_rng(1))
    assert not np.array_equal(a['label'], b['label'])


def _annotation(polygons):
    from cityscapesscripts.helpers.annotation import Annotation
    annotation = Annotation()
    annotation.fromJsonText(json.dumps(polygons))
    return annotation


@pytest.mark.parametrize('seed', [0, 1, 2, 3])
def test_maps_are_the_polygons_rasterised_by_cityscapesscripts(seed):
    scene = render_street_scene(64, 128, np.random.default_rng(seed))
    polygons = scene['polygons']
    assert (polygons['imgHeight'], polygons['imgWidth']) == (64, 128)
    annotation = _annotation(polygons)
    for encoding, key in (('ids', 'label_ids'), ('trainIds', 'label')):
        expected = np.asarray(createLabelImage(annotation, encoding))
        assert scene[key].dtype == np.uint8
        np.testing.assert_array_equal(scene[key], expected)
    assert scene['instance_ids'].dtype == np.uint16
    np.testing.assert_array_equal(
        scene['instance_ids'],
        np.asarray(createInstanceImage(annotation, 'ids')))


def test_polygons_cover_the_frame_and_are_integer():
    scene = render_street_scene(64, 128, np.random.default_rng(5))
    objects = scene['polygons']['objects']
    # A full-frame sky first: every pixel belongs to some object.
    assert objects[0] == dict(label='sky',
                              polygon=[[0, 0], [127, 0], [127, 63], [0, 63]])
    assert (scene['label_ids'] != name2label['unlabeled'].id).all()
    for obj in objects:
        assert obj['label'] in name2label
        xy = np.asarray(obj['polygon'])
        assert xy.dtype.kind == 'i' and len(xy) >= 3
        assert xy[:, 0].min() >= 0 and xy[:, 0].max() <= 127
        assert xy[:, 1].min() >= 0 and xy[:, 1].max() <= 63
    ids = scene['instance_ids']
    things = ids >= 1000
    assert things.any()
    np.testing.assert_array_equal(ids[things] // 1000,
                                  scene['label_ids'][things])
    np.testing.assert_array_equal(ids[~things], scene['label_ids'][~things])
    assert ids[~things].max() < 24  # no instance class without an instance


@pytest.mark.parametrize('seed', [0, 4])
def test_later_objects_are_nearer(seed):
    """Drawing order is occlusion order: where an instance polygon overlaps
    an earlier one, the later one is in front (smaller depth)."""
    h, w = 128, 256
    scene = render_street_scene(h, w, np.random.default_rng(seed))
    ids, depth = scene['instance_ids'], scene['depth']
    objects = scene['polygons']['objects']
    counts, masks = {}, []
    for obj in objects:
        label = name2label[obj['label']]
        if not label.hasInstances:
            continue
        k = counts.get(obj['label'], 0)
        counts[obj['label']] = k + 1
        alone = Image.new('L', (w, h), 0)
        ImageDraw.Draw(alone).polygon([tuple(p) for p in obj['polygon']],
                                      fill=1)
        masks.append((label.id * 1000 + k, np.asarray(alone, bool)))
    checked = 0
    for i, (id_a, mask_a) in enumerate(masks):
        for id_b, mask_b in masks[i + 1:]:
            overlap = mask_a & mask_b
            if not overlap.any() or not (ids == id_a).any():
                continue
            # The later instance owns the overlap and lies nearer.
            assert (ids[overlap] != id_a).all()
            assert depth[ids == id_b].max() < depth[ids == id_a].min()
            checked += 1
    assert checked > 0


def test_clip_and_round_polygons():
    square = [(-10, -10), (20, -10), (20, 20), (-10, 20)]
    clipped = integer_polygon(square, 16, 8)
    assert len(clipped) == 4
    assert sorted(map(tuple, clipped)) == [(0, 0), (0, 7), (15, 0), (15, 7)]
    assert integer_polygon([(30, 30), (40, 30), (40, 40)], 16, 8) is None
    assert integer_polygon([(1, 1), (5, 1), (9, 1)], 16, 8) is None  # no area
    tri = clip_polygon([(2, 2), (30, 2), (2, 6)], 16, 8)
    xy = np.asarray(tri)
    assert xy[:, 0].max() == 15 and len(tri) == 4
