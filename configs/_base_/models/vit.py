# Dense ViT baseline of the paper (Table 1, first row): D=384, depth 2,
# 8 heads x 64, MLP ratio 4, patch 8, conv head 32 / tail 128 channels.
model = dict(
    type='DeweatherRestorer',
    network=dict(
        type='MoFMEViT',
        embed_dims=384,
        depth=2,
        num_heads=8,
        head_dims=64,
        mlp_ratio=4,
        patch_size=8,
        head_channels=32,
        tail_channels=128,
        ffn_cfg=dict(type='dense'),
        router_cfg=dict(type='topk')),
    # the paper tests on non-overlapping 256 x 256 crops
    test_cfg=dict(mode='tile', tile_size=256, tile_overlap=0))
