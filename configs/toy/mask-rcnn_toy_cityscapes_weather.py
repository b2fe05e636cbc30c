# The clean-trained toy Mask R-CNN tested on the WEATHERED toy val frames
# (rain and fog, no restoration): bbox and segm mAP overall and per weather.
# The weathered sets of det_faster-rcnn_toy_cityscapes_weather.py with the
# masks loaded (mask-rcnn_toy_cityscapes.py's test pipeline).
_base_ = ['./mask-rcnn_toy_cityscapes.py', './_base_/toy_weather_val.py']

val_dataloader = dict(dataset=dict(_base_.toy_weather_val, _delete_=True, datasets=[
    dict(part, type=part.type.format(task='Det'), data_root=_base_.data_root,
         pipeline=_base_.test_pipeline) for part in _base_.toy_weather_val.datasets]))
test_dataloader = val_dataloader
