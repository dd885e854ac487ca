"""DeepLab-ASPP-L ResNet-152 on VOC 2012 from JFT-300M weights (the depth study; the paper's Fig. 6 is ResNet-101).

    python tools/model_converters/mmjft_to_downstream.py --target mmseg \\
        work_dirs/resnet152_8xb32_jft300m-299px/iter_4500000.pth checkpoints/resnet152_jft300m_mmseg.pth
Command:  bash tools/dist_train.sh configs/deeplab/deeplab-aspp-l-r152-d8_jft300m-pre_2xb3_voc12aug-513px.py 2
Cost:     30,000 iterations x 6 images = 180K images (ResNet-101's recipe).
"""
_base_ = './deeplab-aspp-l-r101-d8_jft300m-pre_2xb3_voc12aug-513px.py'
init_source = 'configs/jft/resnet152_8xb32_jft300m-299px.py'

model = dict(init_cfg=dict(checkpoint='checkpoints/resnet152_jft300m_mmseg.pth'), backbone=dict(depth=152))
