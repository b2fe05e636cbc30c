# configs/mofme_raincityscapes.py shrunk so that 2 CPU cores train it in a few
# minutes on the toy Cityscapes tree, with the restoration options that make a
# network this small and this briefly trained better than its input on every
# metric (docs/restorer_quality.md measures each): a global residual (output
# = input + correction), the head's full-resolution features added to the
# tail, tokens turned into an image by bilinear upsampling (no patch grid),
# and an L1 + SSIM loss. mofme_raincityscapes_toy_paper.py is the same run
# with the paper's network and MSE loss.
#   python tools/dataset_converters/make_toy_cityscapes.py --out data/toy_cityscapes
#   python tools/train.py configs/toy/mofme_raincityscapes_toy.py
#   python tools/test.py configs/toy/mofme_raincityscapes_toy.py \
#       work_dirs/mofme_raincityscapes_toy/epoch_60.pth
_base_ = [
    '../_base_/datasets/toy_cityscapes.py',
    '../_base_/schedules/schedule_200e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    type='DeweatherRestorer',
    network=dict(
        type='MoFMEViT',
        embed_dims=64,
        depth=1,
        num_heads=2,
        head_dims=32,
        mlp_ratio=2,
        patch_size=4,
        head_channels=8,
        tail_channels=16,
        ffn_cfg=dict(type='fme', num_experts=4, top_k=2),
        router_cfg=dict(type='uar'),
        residual=True,
        head_skip=True,
        to_image='upsample',
    ),
    pixel_loss=[dict(type='L1Loss'),
                dict(type='SSIMLoss', loss_weight=1.0)],
    balance_loss_weight=1e-2,
    uncertainty_loss_weight=5e-3,
    test_cfg=dict(mode='tile', tile_size=128, tile_overlap=0,
                  tile_batch_size=8),
)

max_epochs = 60
warmup_epochs = 1
optim_wrapper = dict(optimizer=dict(lr=2e-3, weight_decay=0.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-2, by_epoch=True, begin=0,
         end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs,
         eta_min=1e-5, by_epoch=True, begin=warmup_epochs, end=max_epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=20, max_keep_ckpts=2),
)
log_processor = dict(window_size=10)
randomness = dict(seed=0)
