# End-to-end fine-tuning: DeweatherBackbone = MoFME restorer + ResNetV1c-50,
# inside mmseg's DeepLabV3+ Cityscapes config. The data preprocessor stays
# mmseg's; the wrapper undoes its normalisation for the restorer, restores,
# normalises again for the ResNet. The loss is Eq. 11 with the segmentation
# loss as the task loss: the segmentor's losses plus the restorer's
# load-balance and uncertainty losses, weighted by the restorer config's
# balance_loss_weight / uncertainty_loss_weight (loss_restorer_balance,
# loss_restorer_uncertainty in the log; RestorerAuxLossHook adds them), so
# the routers train as in upstream training.
# Trained on rainy + foggy train frames, tested per weather like Table 4.
#   python tools/train.py THIS_CONFIG --cfg-options \
#     restorer_checkpoint=MOFME_CHECKPOINT load_from=SEG_CHECKPOINT
# MOFME_CHECKPOINT: the restorer trained upstream (tools/train.py on
# configs/mofme_raincityscapes.py), loaded strictly. SEG_CHECKPOINT (optional):
# a DeepLabV3+ trained without the wrapper (e.g. on clean Cityscapes); its
# backbone.* weights go into the wrapped ResNet. Starting the restorer from
# random weights needs model.backbone.untrained_restorer=True.
# (mmseg's own tools/train.py: model.backbone.restorer_checkpoint=...).
_base_ = [
    'mmseg::deeplabv3plus/deeplabv3plus_r50-d8_4xb2-80k_cityscapes-512x1024.py',
    './_base_/weather_cityscapes_seg.py',
]
custom_imports = dict(imports=['mofme_mm'], allow_failed_imports=False)

# A config shipped with mofme_mm (configs/mofme_raincityscapes.py), found
# from any directory (mofme_mm/utils/package_configs.py).
restorer_config = 'mofme_mm::mofme_raincityscapes.py'
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
        trainable=True,
        restorer_aux_losses=True),
    decode_head=dict(norm_cfg=norm_cfg),
    auxiliary_head=dict(norm_cfg=norm_cfg))
custom_hooks = [dict(type='mofme_mm.RestorerAuxLossHook')]

train_dataloader = dict(_delete_=True, **_base_.weather_seg_train_dataloader)
val_dataloader = dict(_delete_=True, **_base_.weather_seg_test_dataloader)
test_dataloader = val_dataloader
val_evaluator = _base_.weather_seg_evaluator
test_evaluator = val_evaluator
tta_pipeline = _base_.weather_seg_tta_pipeline  # tools/test.py --tta
