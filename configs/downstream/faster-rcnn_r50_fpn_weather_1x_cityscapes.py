# The no-restoration baseline: mmdet's Faster R-CNN R50-FPN Cityscapes config
# tested on the WEATHERED RainCityscapes val + Foggy Cityscapes val frames,
# bbox mAP overall and per weather. Compare with
# faster-rcnn_r50_fpn_mofme_1x_cityscapes.py (same detector, MoFME
# restoration in front).
#   python tools/test.py THIS_CONFIG DET_CHECKPOINT [--cfg-options data_root=DIR/]
_base_ = [
    'mmdet::cityscapes/faster-rcnn_r50_fpn_1x_cityscapes.py',
    './_base_/weather_cityscapes_det.py',
]
custom_imports = dict(imports=['mofme_mm'], allow_failed_imports=False)

# mmdet's base initialises ResNet-50 from torchvision (a download).
model = dict(backbone=dict(init_cfg=None))

val_dataloader = dict(_delete_=True, **_base_.weather_det_test_dataloader)
test_dataloader = val_dataloader
val_evaluator = dict(_delete_=True, **_base_.weather_det_evaluator)
test_evaluator = val_evaluator

# mmdet's config starts from a COCO model URL; pass your own checkpoint.
load_from = None
