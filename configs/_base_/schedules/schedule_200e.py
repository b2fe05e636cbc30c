# The paper's schedule: AdamW, lr 5e-5 cosine-annealed to 1e-6 over 200 epochs,
# after 3 linear warm-up epochs (stepped per iteration).
max_epochs = 200
warmup_epochs = 3

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=5e-5, betas=(0.9, 0.999), weight_decay=0.01),
)

param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-3,
        by_epoch=True,
        begin=0,
        end=warmup_epochs,
        convert_to_iter_based=True,
    ),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs - warmup_epochs,
        eta_min=1e-6,
        by_epoch=True,
        begin=warmup_epochs,
        end=max_epochs,
        convert_to_iter_based=True,
    ),
]

train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=10)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

# The paper trains with batch 64 (4 GPUs x 16); enable with --auto-scale-lr.
auto_scale_lr = dict(enable=False, base_batch_size=64)
