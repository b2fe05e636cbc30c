import pytest
import torch
import torch.nn.functional as F

from mofme_mm.models.layers.patch_embedding import PatchEmbedding


@pytest.mark.parametrize('channels,patch', [(8, 8), (16, 4), (3, 2)])
def test_equals_the_strided_convolution_in_fp32(channels, patch):
    torch.manual_seed(0)
    embed = PatchEmbedding(channels, 24, patch)
    x = torch.randn(2, channels, 4 * patch, 3 * patch)
    conv = F.conv2d(x, embed.weight, embed.bias, stride=patch)
    expected = conv.flatten(2).transpose(1, 2)  # (B, h*w, D)
    torch.testing.assert_close(embed(x), expected, rtol=1e-5, atol=1e-5)
    # channels-last weights and inputs (the network's layout) as well
    embed.to(memory_format=torch.channels_last)
    torch.testing.assert_close(
        embed(x.contiguous(memory_format=torch.channels_last)), expected,
        rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize('channels,patch', [(8, 8), (16, 4)])
def test_bf16_autocast_is_close_to_fp32(channels, patch):
    # shapes whose bf16 oneDNN convolution is wrong on AVX10 / AMX CPUs
    torch.manual_seed(0)
    embed = PatchEmbedding(channels, 64, patch).eval()
    x = torch.randn(1, channels, 128, 128)
    with torch.no_grad():
        ref = embed(x)
        with torch.autocast('cpu', dtype=torch.bfloat16):
            low = embed(x).float()
    assert ((low - ref).norm() / ref.norm()).item() < 0.01
