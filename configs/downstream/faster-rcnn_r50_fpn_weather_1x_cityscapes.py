# The no-restoration baseline: mmdet's Faster R-CNN R50-FPN Cityscapes config
# tested on the WEATHERED RainCityscapes val + Foggy Cityscapes val frames,
# bbox mAP overall and per weather (rain/bbox_mAP, fog/bbox_mAP, ...); the
# ground truth of every weathered image is its clean frame's, from the COCO
# json mmdet's converter writes for the clean frames
# (configs/downstream/_base_/weather_cityscapes_det.py says how). Compare with
# faster-rcnn_r50_fpn_mofme_1x_cityscapes.py (same detector, MoFME
# restoration in front).
#   python tools/test.py THIS_CONFIG DET_CHECKPOINT [--cfg-options data_root=DIR/]
_base_ = [
    'mmdet::cityscapes/faster-rcnn_r50_fpn_1x_cityscapes.py',
    './_base_/weather_cityscapes_det.py',
]

val_dataloader = dict(_delete_=True, **_base_.weather_det_test_dataloader)
test_dataloader = val_dataloader
val_evaluator = dict(_delete_=True, **_base_.weather_det_evaluator)
test_evaluator = val_evaluator

# mmdet's config starts from a COCO model URL; pass your own checkpoint.
load_from = None
