"""DeepLab-ASPP-L ResNet-101 on VOC 2012 from the 30M-image JFT subset (paper Fig. 6, the data-size curve).

Needs the 30M run (configs/jft/resnet101_8xb32_jft300m-30m-subset-299px.py) converted:
    python tools/model_converters/mmjft_to_downstream.py --target mmseg \\
        "$(cat work_dirs/resnet101_8xb32_jft300m-30m-subset-299px/last_checkpoint)" \\
        checkpoints/resnet101_jft300m-30m-subset_mmseg.pth
Command:  bash tools/dist_train.sh \\
              configs/deeplab/deeplab-aspp-l-r101-d8_jft300m-30m-subset-pre_2xb3_voc12aug-513px.py 2
Cost:     as the 300M run: 30,000 iterations x 6 images = 180K images at 513x513.
"""
_base_ = './deeplab-aspp-l-r101-d8_jft300m-pre_2xb3_voc12aug-513px.py'
init_source = 'configs/jft/resnet101_8xb32_jft300m-30m-subset-299px.py'

model = dict(init_cfg=dict(checkpoint='checkpoints/resnet101_jft300m-30m-subset_mmseg.pth'))
