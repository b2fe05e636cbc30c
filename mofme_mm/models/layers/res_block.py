"""Convolutional residual block."""
from torch import Tensor, nn

from mofme_mm.registry import MODELS


@MODELS.register_module()
class ResBlock(nn.Module):
    """``x + conv3x3(ReLU(conv3x3(x)))``.

    Args:
        channels (int): input and output channels.
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.act = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: Tensor) -> Tensor:
        """(B, C, H, W) -> (B, C, H, W)."""
        return x + self.conv2(self.act(self.conv1(x)))
