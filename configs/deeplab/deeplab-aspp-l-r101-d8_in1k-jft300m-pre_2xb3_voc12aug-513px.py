"""DeepLab-ASPP-L ResNet-101 on VOC 2012 from ImageNet-then-JFT-300M weights (Fig. 6 'ImageNet+300M': 76.5 mIoU).

Needs the checkpoint of configs/jft/resnet101_8xb32_in1k-init_jft300m-299px.py converted for mmseg:
    python tools/model_converters/mmjft_to_downstream.py --target mmseg \\
        work_dirs/resnet101_8xb32_in1k-init_jft300m-299px/iter_4500000.pth checkpoints/resnet101_in1k-jft300m_mmseg.pth
Command:  bash tools/dist_train.sh configs/deeplab/deeplab-aspp-l-r101-d8_in1k-jft300m-pre_2xb3_voc12aug-513px.py 2
Cost:     as the JFT-300M run: 30,000 iterations x 6 images = 180K images.
That JFT run keeps JFT's [-1, 1] input, so this model does too.
"""
_base_ = './deeplab-aspp-l-r101-d8_jft300m-pre_2xb3_voc12aug-513px.py'
init_source = 'configs/jft/resnet101_8xb32_in1k-init_jft300m-299px.py'

model = dict(init_cfg=dict(checkpoint='checkpoints/resnet101_in1k-jft300m_mmseg.pth'))
