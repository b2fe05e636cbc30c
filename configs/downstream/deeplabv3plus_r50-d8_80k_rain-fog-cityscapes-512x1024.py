# The no-restoration baseline of Table 4: mmseg's DeepLabV3+ R50-D8 (BN, no
# download) tested on the WEATHERED RainCityscapes val + Foggy Cityscapes val
# frames, mIoU / mAcc overall and per weather. Compare with
# deeplabv3plus_r50-d8_mofme_80k_rain-fog-cityscapes-512x1024.py (same
# segmentor, MoFME restoration in front).
#   python tools/test.py THIS_CONFIG SEG_CHECKPOINT
_base_ = [
    'mmseg::deeplabv3plus/deeplabv3plus_r50-d8_4xb2-80k_cityscapes-512x1024.py',
    './_base_/weather_cityscapes_seg.py',
]
custom_imports = dict(imports=['mofme_mm'], allow_failed_imports=False)

norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    pretrained=None,
    backbone=dict(norm_cfg=norm_cfg),
    decode_head=dict(norm_cfg=norm_cfg),
    auxiliary_head=dict(norm_cfg=norm_cfg))

val_dataloader = dict(_delete_=True, **_base_.weather_seg_test_dataloader)
test_dataloader = val_dataloader
val_evaluator = _base_.weather_seg_evaluator
test_evaluator = val_evaluator
tta_pipeline = _base_.weather_seg_tta_pipeline  # tools/test.py --tta
