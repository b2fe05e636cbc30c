# Mask R-CNN R50-FPN (mmdet's Cityscapes config) with a MoFME deweathering
# restorer in its data preprocessor: its weathered twin
# mask-rcnn_r50_fpn_weather_1x_cityscapes.py with the restorer of
# configs/downstream/_base_/mofme_det_restorer.py. Tested on
# RainCityscapes val + Foggy Cityscapes val: bbox and segm mAP overall and
# per weather (rain/segm_mAP, fog/bbox_mAP, ...).
#   python tools/test.py THIS_CONFIG INS_CHECKPOINT --cfg-options \
#     restorer_checkpoint=MOFME_CHECKPOINT [data_root=/path/to/cityscapes/]
# (mmdet's own tools/test.py: model.data_preprocessor.restorer_checkpoint=...).
# An INS_CHECKPOINT trained with this config carries the restorer's weights.
_base_ = [
    './mask-rcnn_r50_fpn_weather_1x_cityscapes.py',
    './_base_/mofme_det_restorer.py',
]

model = dict(data_preprocessor=_base_.mofme_det_preprocessor)
