# The toy Faster R-CNN (det_faster-rcnn_toy_cityscapes.py) with a small
# Mask R-CNN mask head: instance segmentation trained from scratch on the
# CLEAN toy Cityscapes frames, tested on the clean toy val frames with bbox
# and segm mAP (mmdet's COCO evaluation; the masks are the converter's, from
# gtFine *_instanceIds.png). mmdet's MaskRCNN, runnable by our tools and by
# mmdet's own tools/train.py / tools/test.py.
_base_ = ['./det_faster-rcnn_toy_cityscapes.py']

model = dict(
    type='MaskRCNN',
    data_preprocessor=dict(pad_mask=True),
    roi_head=dict(
        mask_roi_extractor=dict(
            type='SingleRoIExtractor',
            roi_layer=dict(type='RoIAlign', output_size=14, sampling_ratio=2),
            out_channels=_base_.channels,
            featmap_strides=[4, 8, 16, 32]),
        mask_head=dict(
            type='FCNMaskHead',
            num_convs=2,
            in_channels=_base_.channels,
            conv_out_channels=_base_.channels,
            num_classes=8,
            loss_mask=dict(
                type='CrossEntropyLoss', use_mask=True, loss_weight=1.0))),
    train_cfg=dict(rcnn=dict(mask_size=28)),
    test_cfg=dict(rcnn=dict(mask_thr_binary=0.5)))

# the toy detector's pipelines, loading the instance masks too
train_pipeline = [
    dict(step, with_mask=True) if step['type'] == 'LoadAnnotations' else step
    for step in _base_.train_pipeline
]
test_pipeline = [
    dict(step, with_mask=True) if step['type'] == 'LoadAnnotations' else step
    for step in _base_.test_pipeline
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(metric=['bbox', 'segm'])
test_evaluator = val_evaluator
