# The clean-trained toy FCN tested on the WEATHERED toy val frames (rain and
# fog, no restoration): mIoU / mAcc overall and per weather.
_base_ = ['./seg_fcn_toy_cityscapes.py']

weather_parts = [
    dict(
        type='mofme_mm.RainCityscapesSegDataset',
        data_root=_base_.data_root,
        split='val',
        test_mode=True,
        pipeline=_base_.test_pipeline),
    dict(
        type='mofme_mm.FoggyCityscapesSegDataset',
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
val_evaluator = dict(type='mofme_mm.PerWeatherIoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
