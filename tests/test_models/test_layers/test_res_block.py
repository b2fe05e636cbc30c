import torch
from torch import nn

from mofme_mm.models.layers import ResBlock


def test_res_block_is_identity_plus_two_convs():
    block = ResBlock(4)
    x = torch.randn(1, 4, 5, 6)
    ref = x + block.conv2(torch.relu(block.conv1(x)))
    torch.testing.assert_close(block(x), ref)
    nn.init.zeros_(block.conv2.weight)
    nn.init.zeros_(block.conv2.bias)
    torch.testing.assert_close(block(x), x)
