# Mask R-CNN R50-FPN (mmdet's Cityscapes config) with a MoFME deweathering
# restorer in its data preprocessor, tested on RainCityscapes val + Foggy
# Cityscapes val: bbox and segm mAP overall and per weather (rain/segm_mAP,
# fog/bbox_mAP, ...), mmdet's COCO evaluation against the clean frames'
# instances (configs/downstream/_base_/weather_cityscapes_det.py).
#   python tools/test.py THIS_CONFIG INS_CHECKPOINT --cfg-options \
#     restorer_checkpoint=MOFME_CHECKPOINT [data_root=/path/to/cityscapes/]
# (mmdet's own tools/test.py: model.data_preprocessor.restorer_checkpoint=...).
# Without restoration: mask-rcnn_r50_fpn_weather_1x_cityscapes.py.
_base_ = [
    'mmdet::cityscapes/mask-rcnn_r50_fpn_1x_cityscapes.py',
    './_base_/weather_cityscapes_det.py',
]
custom_imports = dict(imports=['mofme_mm'], allow_failed_imports=False)

# The restorer config (shipped with mofme_mm) and its checkpoint, loaded
# strictly; None: the weights come from INS_CHECKPOINT or the run is refused.
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

# mmdet's CityScapesMetric reads gtFine by the image name, which a weathered
# image does not have; the COCO scores are reported per weather instead.
val_dataloader = dict(_delete_=True, **_base_.weather_ins_test_dataloader)
test_dataloader = val_dataloader
val_evaluator = dict(_delete_=True, **_base_.weather_ins_evaluator)
test_evaluator = val_evaluator

# mmdet's config starts from a COCO model URL; pass your own checkpoint.
load_from = None
