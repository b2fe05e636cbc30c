# Faster R-CNN R50-FPN (mmdet's Cityscapes config) with a MoFME deweathering
# restorer in its data preprocessor; reports bbox mAP with mmdet's CocoMetric.
#
# Detection on weathered Cityscapes needs COCO-style annotations whose
# file_name entries point at the weathered images (e.g. leftImg8bit_foggy/...):
# set test_dataloader.dataset.{data_prefix,ann_file} and
# test_evaluator.ann_file to them.
#   python tools/test.py THIS_CONFIG DET_CHECKPOINT --cfg-options \
#     restorer_checkpoint=MOFME_CHECKPOINT
# (mmdet's own tools/test.py: model.data_preprocessor.restorer_checkpoint=...)
_base_ = ['mmdet::cityscapes/faster-rcnn_r50_fpn_1x_cityscapes.py']
custom_imports = dict(imports=['mofme_mm'], allow_failed_imports=False)

restorer_config = '{{fileDirname}}/../mofme_raincityscapes.py'
restorer_checkpoint = None

model = dict(
    data_preprocessor=dict(
        type='mofme_mm.DeweatherDetDataPreprocessor',
        restorer=restorer_config,
        restorer_checkpoint=restorer_checkpoint,
        trainable=False),
    # mmdet's base initialises ResNet-50 from torchvision (a download).
    backbone=dict(init_cfg=None))

# mmdet's config starts from a COCO model URL; pass your own checkpoint.
load_from = None
