# Runtime shared by every mofme_mm config.
default_scope = 'mofme_mm'

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # tools/train.py and tools/test.py switch to 'gloo' when CUDA is absent.
    dist_cfg=dict(backend='nccl'),
)

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=True),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook',
        by_epoch=True,
        interval=10,
        max_keep_ckpts=3,
        save_last=True,
    ),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    # input | restored | ground-truth panels in validation and test; set
    # draw=True to send them to the vis backends below, or use
    # tools/test.py --show-dir DIR to write them to DIR/<weather>/.
    visualization=dict(type='RestorationVisualizationHook', draw=False),
)

# Add dict(type='TensorboardVisBackend') (needs `pip install tensorboard`) or
# dict(type='WandbVisBackend') to see the panels there.
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(
    type='RestorationVisualizer', vis_backends=vis_backends,
    name='visualizer')

# top-k routing leaves some experts without a gradient in a step (DDP)
find_unused_parameters = True

log_processor = dict(by_epoch=True, window_size=50)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=None)
# Reseeds every epoch from (seed, epoch) so that --resume reproduces the
# uninterrupted run.
custom_hooks = [dict(type='EpochSeedHook')]
