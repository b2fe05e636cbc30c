# SegFormer MiT-B0 (the light model; mmseg's Cityscapes config) with a MoFME
# deweathering restorer in its data preprocessor, tested on RainCityscapes
# val + Foggy Cityscapes val with mIoU / mAcc per weather (Table 4).
#
#   python tools/test.py THIS_CONFIG SEG_CHECKPOINT --cfg-options \
#     restorer_checkpoint=MOFME_CHECKPOINT [data_root=/path/to/cityscapes]
# (mmseg's own tools/test.py: model.data_preprocessor.restorer_checkpoint=...)
_base_ = [
    'mmseg::segformer/segformer_mit-b0_8xb1-160k_cityscapes-1024x1024.py',
    './_base_/weather_cityscapes_seg.py',
]
custom_imports = dict(imports=['mofme_mm'], allow_failed_imports=False)

# A config shipped with mofme_mm (configs/mofme_raincityscapes.py), found
# from any directory (mofme_mm/utils/package_configs.py).
restorer_config = 'mofme_mm::mofme_raincityscapes.py'
restorer_checkpoint = None

# mmseg's config initialises MiT-B0 from a URL; nothing is downloaded here,
# so train from scratch or pass your own weights (load_from / init_cfg).
checkpoint = None
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    data_preprocessor=dict(
        type='mofme_mm.DeweatherSegDataPreProcessor',
        restorer=restorer_config,
        restorer_checkpoint=restorer_checkpoint,
        trainable=False),
    backbone=dict(init_cfg=None),
    decode_head=dict(norm_cfg=norm_cfg))

val_dataloader = dict(_delete_=True, **_base_.weather_seg_test_dataloader)
test_dataloader = val_dataloader
val_evaluator = _base_.weather_seg_evaluator
test_evaluator = val_evaluator
tta_pipeline = _base_.weather_seg_tta_pipeline  # tools/test.py --tta
