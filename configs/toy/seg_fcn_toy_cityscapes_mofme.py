# The clean-trained toy FCN tested on MoFME-RESTORED toy val frames: the
# restorer sits in the data preprocessor (frozen), in front of the usual
# normalisation. Set the restorer checkpoint on the command line:
#   --cfg-options model.data_preprocessor.restorer_checkpoint=CKPT
_base_ = ['./seg_fcn_toy_cityscapes_weather.py']

restorer_config = '{{fileDirname}}/mofme_toy_demo_restorer.py'
restorer_checkpoint = None
model = dict(
    data_preprocessor=dict(
        type='mofme_mm.DeweatherSegDataPreProcessor',
        restorer=restorer_config,
        restorer_checkpoint=restorer_checkpoint))
