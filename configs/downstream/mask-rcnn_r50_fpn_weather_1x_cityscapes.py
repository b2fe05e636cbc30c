# The no-restoration baseline: mmdet's Mask R-CNN R50-FPN Cityscapes config
# tested on the WEATHERED RainCityscapes val + Foggy Cityscapes val frames,
# bbox and segm mAP overall and per weather, mmdet's COCO evaluation against
# the clean frames' instances (configs/downstream/_base_/
# weather_cityscapes_det.py). Compare with
# mask-rcnn_r50_fpn_mofme_1x_cityscapes.py (MoFME restoration in front).
#   python tools/test.py THIS_CONFIG INS_CHECKPOINT [--cfg-options data_root=DIR/]
_base_ = [
    'mmdet::cityscapes/mask-rcnn_r50_fpn_1x_cityscapes.py',
    './_base_/weather_cityscapes_det.py',
]

# mmdet's CityScapesMetric reads gtFine by the image name, which a weathered
# image does not have; the COCO scores are reported per weather instead.
val_dataloader = dict(_delete_=True, **_base_.weather_ins_test_dataloader)
test_dataloader = val_dataloader
val_evaluator = dict(_delete_=True, **_base_.weather_ins_evaluator)
test_evaluator = val_evaluator

# mmdet's config starts from a COCO model URL; pass your own checkpoint.
load_from = None
