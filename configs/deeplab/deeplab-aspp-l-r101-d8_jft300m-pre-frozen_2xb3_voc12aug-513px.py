"""DeepLab-ASPP-L ResNet-101 on VOC 2012 from JFT-300M weights with conv1-conv4 frozen (frozen-features variant).

conv1..conv4 (stem and layer1-3) keep their pretrained weights; conv5 and the ASPP-L head train. The paper's Fig. 4
compares fine-tuning with frozen features for detection; this is the same comparison for segmentation, with the
fine-tuning recipe otherwise unchanged (the paper gives no separate schedule). A data-size subset's checkpoint:
point model.init_cfg.checkpoint at it.
Command:  bash tools/dist_train.sh configs/deeplab/deeplab-aspp-l-r101-d8_jft300m-pre-frozen_2xb3_voc12aug-513px.py 2
Cost:     30,000 iterations x 6 images = 180K images; no gradients below conv5.
"""
_base_ = './deeplab-aspp-l-r101-d8_jft300m-pre_2xb3_voc12aug-513px.py'

model = dict(backbone=dict(frozen_stages=3))  # stem + layer1-3 = conv1..conv4
