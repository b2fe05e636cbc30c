# End-to-end fine-tuning: DeweatherBackbone = MoFME restorer + ResNetV1c-50,
# inside mmseg's DeepLabV3+ Cityscapes config. The data preprocessor stays
# mmseg's; the wrapper undoes its normalisation for the restorer, restores,
# normalises again for the ResNet, and the segmentation loss trains both.
# Trained on rainy + foggy train frames, tested per weather like Table 4.
#   python tools/train.py THIS_CONFIG --cfg-options \
#     model.backbone.restorer_checkpoint=MOFME_CHECKPOINT \
#     load_from=SEG_CHECKPOINT_FOR_THE_INNER_MODEL_IF_ANY
_base_ = [
    'mmseg::deeplabv3plus/deeplabv3plus_r50-d8_4xb2-80k_cityscapes-512x1024.py',
    './_base_/weather_cityscapes_seg.py',
]
custom_imports = dict(imports=['mofme_mm'], allow_failed_imports=False)

restorer_config = '{{fileDirname}}/../mofme_raincityscapes.py'
restorer_checkpoint = None

norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    pretrained=None,
    backbone=dict(
        _delete_=True,
        type='mofme_mm.DeweatherBackbone',
        backbone=dict(_base_.model.backbone, norm_cfg=norm_cfg),
        restorer=restorer_config,
        restorer_checkpoint=restorer_checkpoint,
        mean=_base_.data_preprocessor.mean,
        std=_base_.data_preprocessor.std,
        channel_order='rgb',
        trainable=True),
    decode_head=dict(norm_cfg=norm_cfg),
    auxiliary_head=dict(norm_cfg=norm_cfg))

train_dataloader = dict(_delete_=True, **_base_.weather_seg_train_dataloader)
val_dataloader = dict(_delete_=True, **_base_.weather_seg_test_dataloader)
test_dataloader = val_dataloader
val_evaluator = _base_.weather_seg_evaluator
test_evaluator = val_evaluator
