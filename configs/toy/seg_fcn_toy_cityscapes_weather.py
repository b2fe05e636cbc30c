# The clean-trained toy FCN tested on the WEATHERED toy val frames (rain and
# fog, no restoration): mIoU / mAcc overall and per weather.
_base_ = ['./seg_fcn_toy_cityscapes.py', './_base_/toy_weather_val.py']

val_dataloader = dict(dataset=dict(_base_.toy_weather_val, _delete_=True, datasets=[
    dict(part, type=part.type.format(task='Seg'), data_root=_base_.data_root,
         pipeline=_base_.test_pipeline) for part in _base_.toy_weather_val.datasets]))
test_dataloader = val_dataloader
val_evaluator = dict(type='mofme_mm.PerWeatherIoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
