# The MoFME restorer of `make demo` (tools/demo.py): the toy rain + fog
# config (configs/toy/mofme_raincityscapes_toy.py) with a network sized for a
# few CPU minutes: 4 feature-modulated experts (top-2) behind an
# uncertainty-aware router, patch 8, 64-d tokens, head 16 / tail 32 conv
# channels (twice the width of the first demo restorer: +0.2-0.3 dB and higher
# SSIM for ~1.35x its training time), with the base config's
# restoration options (global residual, head-to-tail skip, upsampling token
# head, L1 + SSIM loss; docs/restorer_quality.md), tiles of 128 blended over
# 32 pixels (no seams; tile and stride multiples of the patch size, so the
# token grid stays aligned). tools/demo.py sets the number of epochs and the
# schedule.
_base_ = ['./mofme_raincityscapes_toy.py']

model = dict(
    network=dict(
        _delete_=True,
        type='MoFMEViT',
        embed_dims=64,
        depth=1,
        num_heads=2,
        head_dims=32,
        mlp_ratio=2,
        patch_size=8,
        head_channels=16,
        tail_channels=32,
        ffn_cfg=dict(type='fme', num_experts=4, top_k=2),
        router_cfg=dict(type='uar'),
        residual=True,
        head_skip=True,
        to_image='upsample'),
    test_cfg=dict(mode='tile', tile_size=128, tile_overlap=32,
                  tile_batch_size=8))
