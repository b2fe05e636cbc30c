# The clean-trained toy Faster R-CNN tested on the WEATHERED toy val frames
# (every rainy and foggy version, no restoration): bbox mAP overall and per
# weather (rain/bbox_mAP, fog/bbox_mAP, ...). Each weathered image keeps the
# boxes of its clean frame (mofme_mm.RainCityscapesDetDataset /
# FoggyCityscapesDetDataset on the converter's COCO json of the clean val).
_base_ = ['./det_faster-rcnn_toy_cityscapes.py', './_base_/toy_weather_val.py']

val_dataloader = dict(dataset=dict(_base_.toy_weather_val, _delete_=True, datasets=[
    dict(part, type=part.type.format(task='Det'), data_root=_base_.data_root,
         pipeline=_base_.test_pipeline) for part in _base_.toy_weather_val.datasets]))
test_dataloader = val_dataloader
