"""Sample inputs of the API tests: the tiny restorer config, images, videos."""
import cv2
import numpy as np

TINY_RESTORER = dict(
    type='DeweatherRestorer',
    network=dict(type='MoFMEViT', embed_dims=16, depth=1, num_heads=2,
                 head_dims=8, mlp_ratio=2.0, patch_size=4, head_channels=4,
                 tail_channels=4,
                 ffn_cfg=dict(type='fme', num_experts=4, top_k=2),
                 router_cfg=dict(type='uar')),
    test_cfg=dict(mode='tile', tile_size=32, tile_overlap=0,
                  tile_batch_size=4))


def photo(height: int = 40, width: int = 56, seed: int = 0) -> np.ndarray:
    """A smooth uint8 BGR image with some noise."""
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x * 3 % 256, y * 5 % 256, (x + y) * 2 % 256], -1)
    noise = np.random.default_rng(seed).integers(0, 30, base.shape)
    return np.clip(base + noise, 0, 255).astype(np.uint8)


def write_avi(path, frames: int = 4, size=(48, 32)) -> str:
    """An MJPG AVI whose frames differ."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'MJPG'), 5,
                             size)
    assert writer.isOpened()
    for index in range(frames):
        writer.write(photo(size[1], size[0], seed=index))
    writer.release()
    return str(path)
