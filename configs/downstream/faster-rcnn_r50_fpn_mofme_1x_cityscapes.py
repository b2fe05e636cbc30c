# Faster R-CNN R50-FPN (mmdet's Cityscapes config) with a MoFME deweathering
# restorer in its data preprocessor: every batch is restored, then
# normalised and detected. Tested on RainCityscapes val + Foggy Cityscapes
# val, bbox mAP overall and per weather (rain/bbox_mAP, fog/bbox_mAP, ...);
# the ground truth of every weathered image is its clean frame's, from the
# COCO json mmdet's converter writes for the clean frames
# (configs/downstream/_base_/weather_cityscapes_det.py says how).
#
# Evaluate your own Cityscapes detector on deweathered frames:
#   python tools/test.py THIS_CONFIG DET_CHECKPOINT --cfg-options \
#     restorer_checkpoint=MOFME_CHECKPOINT [data_root=/path/to/cityscapes/]
# (mmdet's own tools/test.py: model.data_preprocessor.restorer_checkpoint=...).
# A DET_CHECKPOINT trained with this config carries the restorer's weights
# itself and needs no restorer_checkpoint. Without restoration:
# faster-rcnn_r50_fpn_weather_1x_cityscapes.py (the weathered baseline).
_base_ = [
    'mmdet::cityscapes/faster-rcnn_r50_fpn_1x_cityscapes.py',
    './_base_/weather_cityscapes_det.py',
]
custom_imports = dict(imports=['mofme_mm'], allow_failed_imports=False)

# The restorer: MoFME trained on RainCityscapes + Foggy Cityscapes (a config
# shipped with mofme_mm, configs/mofme_raincityscapes.py, found from any
# directory) and its checkpoint, loaded strictly. None: the weights must
# come from the detector checkpoint (data_preprocessor.restorer.*); without
# them the run is refused (model.data_preprocessor.untrained_restorer=True
# allows random restorer weights, for smoke tests).
restorer_config = 'mofme_mm::mofme_raincityscapes.py'
restorer_checkpoint = None

model = dict(
    data_preprocessor=dict(
        type='mofme_mm.DeweatherDetDataPreprocessor',
        restorer=restorer_config,
        restorer_checkpoint=restorer_checkpoint,
        trainable=False),
    # mmdet's base initialises ResNet-50 from torchvision (a download).
    backbone=dict(init_cfg=None))

val_dataloader = dict(_delete_=True, **_base_.weather_det_test_dataloader)
test_dataloader = val_dataloader
val_evaluator = dict(_delete_=True, **_base_.weather_det_evaluator)
test_evaluator = val_evaluator

# mmdet's config starts from a COCO model URL; pass your own checkpoint.
load_from = None
