# The clean-trained toy Mask R-CNN tested on the WEATHERED toy val frames
# (rain and fog, no restoration): bbox and segm mAP overall and per weather.
_base_ = ['./mask-rcnn_toy_cityscapes.py']

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
