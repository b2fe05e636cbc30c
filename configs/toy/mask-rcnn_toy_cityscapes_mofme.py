# The clean-trained toy Mask R-CNN tested on MoFME-RESTORED toy val frames
# (the frozen restorer in the data preprocessor): bbox and segm mAP overall
# and per weather. Give the restorer's checkpoint:
#   tools/test.py THIS_CONFIG INS_CKPT --cfg-options restorer_checkpoint=CKPT
# (any tool, mmdet's too: model.data_preprocessor.restorer_checkpoint=CKPT),
# or test a checkpoint that carries data_preprocessor.restorer.* weights.
_base_ = ['./mask-rcnn_toy_cityscapes_weather.py', './_base_/toy_det_restorer.py']

model = dict(data_preprocessor=_base_.toy_det_restorer_preprocessor)
