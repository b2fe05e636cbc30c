# The clean-trained toy Faster R-CNN tested on the WEATHERED toy val frames
# (every rainy and foggy version, no restoration): bbox mAP overall and per
# weather (rain/bbox_mAP, fog/bbox_mAP, ...). Each weathered image keeps the
# boxes of its clean frame (mofme_mm.RainCityscapesDetDataset /
# FoggyCityscapesDetDataset on the converter's COCO json of the clean val).
_base_ = ['./det_faster-rcnn_toy_cityscapes.py']

weather_parts = [
    dict(
        type='mofme_mm.RainCityscapesDetDataset',
        data_root=_base_.data_root,
        split='val',
        test_mode=True,
        pipeline=_base_.test_pipeline),
    dict(
        type='mofme_mm.FoggyCityscapesDetDataset',
        data_root=_base_.data_root,
        split='val',
        test_mode=True,
        pipeline=_base_.test_pipeline),
]
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='mofme_mm.MultiWeatherDataset',
        datasets=weather_parts))
test_dataloader = val_dataloader
