# The WEATHERED toy val frames: every rainy and every foggy version of the
# toy val frames in one mofme_mm.MultiWeatherDataset (scores per weather),
# shared by the toy segmentor's and detectors' *_weather.py configs. Each of
# them fills in its task's dataset classes ({task}: 'Seg' for mmseg's
# RainCityscapesSegDataset / FoggyCityscapesSegDataset, 'Det' for mmdet's
# *DetDataset, whose samples keep the clean frame's instances), its
# data_root and its test pipeline, in one expression (configs hold values,
# not functions):
#   val_dataloader = dict(dataset=dict(_base_.toy_weather_val, _delete_=True,
#       datasets=[dict(part, type=part.type.format(task='Det'), ...)
#                 for part in _base_.toy_weather_val.datasets]))
toy_weather_val = dict(
    type='mofme_mm.MultiWeatherDataset',
    datasets=[
        dict(type='mofme_mm.RainCityscapes{task}Dataset', split='val',
             test_mode=True),
        dict(type='mofme_mm.FoggyCityscapes{task}Dataset', split='val',
             test_mode=True),
    ])
