"""Patch embedding: non-overlapping p x p patches -> tokens, as one product."""
import torch.nn.functional as F
from torch import Tensor, nn


class PatchEmbedding(nn.Conv2d):
    """A stride-p, p x p convolution computed as patches @ weight.

    Same parameters (and state-dict keys) as ``nn.Conv2d(in, out, p,
    stride=p)`` and, in fp32, the same result; the patches are gathered by a
    reshape and multiplied by the flattened kernel in one ``F.linear``. Not
    a convolution kernel on purpose: oneDNN's bf16 convolution of torch
    2.13 returns wrong values for some strided shapes on AVX10 / AMX CPUs
    (relative error ~1 for 8 input channels with p = 8, or 16 with p = 4;
    ``tests/test_models/test_layers/test_patch_embedding.py``), where the
    matrix product is exact to bf16 rounding.

    Args:
        in_channels (int): channels of the feature map.
        out_channels (int): token dimension D.
        patch_size (int): p.
    """

    def __init__(self, in_channels: int, out_channels: int,
                 patch_size: int) -> None:
        super().__init__(in_channels, out_channels, patch_size,
                         stride=patch_size)
        self.patch_size = patch_size

    def forward(self, x: Tensor) -> Tensor:
        """(B, C, h p, w p) -> (B, h w, D) tokens in row-major grid order."""
        batch, channels, height, width = x.shape
        p = self.patch_size
        grid_h, grid_w = height // p, width // p
        patches = x.reshape(batch, channels, grid_h, p, grid_w, p).permute(
            0, 2, 4, 1, 3, 5).reshape(batch, grid_h * grid_w, channels * p * p)
        return F.linear(patches, self.weight.reshape(self.out_channels, -1),
                        self.bias)
