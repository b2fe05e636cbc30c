# DeepLabV3+ R50-D8 (mmseg's Cityscapes config) with a MoFME deweathering
# restorer in its data preprocessor: every batch is restored, then normalised
# and segmented. Tested on RainCityscapes val + Foggy Cityscapes val, reporting
# mIoU / mAcc overall and per weather (rain/..., fog/...), like Table 4.
#
# Evaluate your own segmentor on deweathered frames:
#   python tools/test.py THIS_CONFIG SEG_CHECKPOINT --cfg-options \
#     restorer_checkpoint=MOFME_CHECKPOINT [data_root=/path/to/cityscapes]
# (mmseg's own tools/test.py: model.data_preprocessor.restorer_checkpoint=...).
# A SEG_CHECKPOINT trained with this config (tools/train.py) carries the
# restorer's weights itself and needs no restorer_checkpoint.
_base_ = [
    'mmseg::deeplabv3plus/deeplabv3plus_r50-d8_4xb2-80k_cityscapes-512x1024.py',
    './_base_/weather_cityscapes_seg.py',
]
custom_imports = dict(imports=['mofme_mm'], allow_failed_imports=False)

# The restorer: MoFME trained on RainCityscapes + Foggy Cityscapes (its
# config) and its checkpoint, loaded strictly. None: the weights must come
# from the segmentor checkpoint (data_preprocessor.restorer.*); without them
# the run is refused (model.data_preprocessor.untrained_restorer=True allows
# random restorer weights, for smoke tests).
# A config shipped with mofme_mm (configs/mofme_raincityscapes.py), found
# from any directory (mofme_mm/utils/package_configs.py).
restorer_config = 'mofme_mm::mofme_raincityscapes.py'
restorer_checkpoint = None

# One machine: BN instead of SyncBN. No download: no ImageNet init here, pass
# your own weights with `load_from` / `--cfg-options model.pretrained=...`.
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    pretrained=None,
    data_preprocessor=dict(
        type='mofme_mm.DeweatherSegDataPreProcessor',
        restorer=restorer_config,
        restorer_checkpoint=restorer_checkpoint,
        trainable=False),
    backbone=dict(norm_cfg=norm_cfg),
    decode_head=dict(norm_cfg=norm_cfg),
    auxiliary_head=dict(norm_cfg=norm_cfg))

val_dataloader = dict(_delete_=True, **_base_.weather_seg_test_dataloader)
test_dataloader = val_dataloader
val_evaluator = _base_.weather_seg_evaluator
test_evaluator = val_evaluator
tta_pipeline = _base_.weather_seg_tta_pipeline  # tools/test.py --tta
