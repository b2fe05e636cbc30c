# The clean-trained toy Faster R-CNN tested on MoFME-RESTORED toy val frames:
# the restorer sits in the data preprocessor (frozen), in front of the usual
# normalisation; bbox mAP overall and per weather. Give the restorer's
# checkpoint:
#   tools/test.py THIS_CONFIG DET_CKPT --cfg-options restorer_checkpoint=CKPT
# (any tool, mmdet's too: model.data_preprocessor.restorer_checkpoint=CKPT),
# or test a detector checkpoint that carries data_preprocessor.restorer.*
# weights (tools/train.py on this config saves them; tools/demo.py merges
# them). Without either the run is refused: the restorer would be random.
_base_ = [
    './det_faster-rcnn_toy_cityscapes_weather.py',
    './_base_/toy_det_restorer.py',
]

model = dict(data_preprocessor=_base_.toy_det_restorer_preprocessor)
