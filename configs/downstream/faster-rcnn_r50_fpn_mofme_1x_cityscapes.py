# Faster R-CNN R50-FPN (mmdet's Cityscapes config) with a MoFME deweathering
# restorer in its data preprocessor: every batch is restored, then
# normalised and detected. Its weathered twin
# faster-rcnn_r50_fpn_weather_1x_cityscapes.py (the no-restoration baseline)
# with the restorer of configs/downstream/_base_/mofme_det_restorer.py:
# tested on RainCityscapes val + Foggy Cityscapes val, bbox mAP overall and
# per weather against the clean frames' boxes.
#
# Evaluate your own Cityscapes detector on deweathered frames:
#   python tools/test.py THIS_CONFIG DET_CHECKPOINT --cfg-options \
#     restorer_checkpoint=MOFME_CHECKPOINT [data_root=/path/to/cityscapes/]
# (mmdet's own tools/test.py: model.data_preprocessor.restorer_checkpoint=...).
# A DET_CHECKPOINT trained with this config carries the restorer's weights
# itself and needs no restorer_checkpoint.
_base_ = [
    './faster-rcnn_r50_fpn_weather_1x_cityscapes.py',
    './_base_/mofme_det_restorer.py',
]

model = dict(data_preprocessor=_base_.mofme_det_preprocessor)
