import pytest
import torch

from mofme_mm.models.restorers.tiling import blend_window, tile_starts, tiled_restore


class CountingPixelNet:
    """Per-pixel map that records the size of every batch it receives."""

    def __init__(self):
        self.batch_sizes = []
        self.tile_shapes = set()

    def __call__(self, tiles):
        self.batch_sizes.append(tiles.shape[0])
        self.tile_shapes.add(tuple(tiles.shape[1:]))
        return torch.sigmoid(3 * tiles - 1) * tiles.flip(1)


@pytest.mark.parametrize('length,tile,overlap,expected', [
    (512, 256, 0, [0, 256]),
    (300, 256, 0, [0, 256]),
    (100, 256, 0, [0]),
    (300, 256, 64, [0, 44]),
    (500, 128, 32, [0, 96, 192, 288, 372]),
])
def test_tile_starts_cover_axis(length, tile, overlap, expected):
    starts = tile_starts(length, tile, overlap)
    assert starts == expected
    covered = torch.zeros(length, dtype=torch.bool)
    for start in starts:
        covered[start:start + tile] = True
    assert covered.all()


@pytest.mark.parametrize('size', [(256, 512), (300, 517), (37, 90)])
@pytest.mark.parametrize('overlap', [0, 16, 64])
def test_tiled_equals_whole_for_per_pixel_network(size, overlap):
    images = torch.rand(2, 3, *size)
    net = CountingPixelNet()
    out = tiled_restore(net, images, tile_size=128, overlap=overlap,
                        tile_batch_size=3)
    assert out.shape == images.shape
    torch.testing.assert_close(out, net(images), atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize('overlap', [8, 32, 64])
def test_blending_weights_sum_to_one(overlap):
    # A network that outputs ones: the blended frame is the per-pixel sum of
    # the normalised tile weights.
    images = torch.rand(1, 3, 200, 333)
    out = tiled_restore(torch.ones_like, images, tile_size=128,
                        overlap=overlap, tile_batch_size=4)
    torch.testing.assert_close(out, torch.ones_like(out))


def test_blend_window_is_smooth_and_positive():
    window = blend_window(64, 16)
    assert window.shape == (64, 64)
    assert window.min() > 0
    assert window[32, 32] == 1
    ramp = window[32, :16]
    assert torch.all(ramp[1:] > ramp[:-1])  # rises monotonically
    torch.testing.assert_close(window, window.flip(0).flip(1))
    assert torch.equal(blend_window(64, 0), torch.ones(64, 64))


def test_overlap_blends_between_tiles():
    # Each tile gets a constant equal to its call index: with overlap the
    # seam is a smooth ramp, without overlap a hard step.
    calls = []

    def constant_per_tile(tiles):
        calls.append(len(calls))
        return torch.full_like(tiles, float(len(calls)))

    images = torch.zeros(1, 1, 64, 192)
    out = tiled_restore(constant_per_tile, images, tile_size=128, overlap=64,
                        tile_batch_size=1)
    row = out[0, 0, 0]
    assert row[0] == 1 and row[-1] == 2
    assert torch.all(row[1:] >= row[:-1])
    assert ((row > 1) & (row < 2)).sum() > 32


@pytest.mark.parametrize('overlap', [0, 32])
def test_memory_bounded_by_tile_batch(overlap):
    images = torch.rand(1, 3, 1024, 2048)
    net = CountingPixelNet()
    out = tiled_restore(net, images, tile_size=256, overlap=overlap,
                        tile_batch_size=4)
    assert out.shape == images.shape
    assert max(net.batch_sizes) <= 4
    assert net.tile_shapes == {(3, 256, 256)}
    expected_tiles = (len(tile_starts(1024, 256, overlap))
                      * len(tile_starts(2048, 256, overlap)))
    assert sum(net.batch_sizes) == expected_tiles
    if overlap == 0:
        assert expected_tiles == 32  # the paper's 4 x 8 grid


def test_edge_tiles_are_mirrored_not_zero_padded():
    seen = []

    def record(tiles):
        seen.append(tiles.clone())
        return tiles

    images = torch.rand(1, 3, 100, 100) + 1.0  # no zeros anywhere
    tiled_restore(record, images, tile_size=64, overlap=0, tile_batch_size=8)
    tiles = torch.cat(seen)
    assert tiles.shape == (4, 3, 64, 64)
    assert tiles.min() >= 1.0
    # the bottom-right tile continues the frame by reflection
    torch.testing.assert_close(tiles[3, :, 36, 0], images[0, :, 98, 64])


@pytest.mark.parametrize('kwargs,field', [
    (dict(tile_size=0), 'tile_size'),
    (dict(tile_size=64, overlap=64), 'tile_overlap'),
    (dict(tile_size=64, overlap=40), 'tile_overlap'),
    (dict(tile_batch_size=0), 'tile_batch_size'),
])
def test_bad_arguments_name_the_field(kwargs, field):
    with pytest.raises(ValueError, match=field):
        tiled_restore(lambda t: t, torch.rand(1, 3, 8, 8), **kwargs)
