"""Faster R-CNN ResNet-101 C4 on COCO from ImageNet-then-JFT-300M weights (paper 'ImageNet+300M', mAP@.5 /
mAP@[.5,.95]: 58.2 / 37.8 on minival*, Table 9, the split this config evaluates; 58.0 / 37.4 on test-dev, Table 2).

Needs the checkpoint of configs/jft/resnet101_8xb32_in1k-init_jft300m-299px.py (whose ImageNet init is torchvision's
IMAGENET1K_V1 weights by default; a result says which init) converted for mmdet's C4 layout:
    python tools/model_converters/mmjft_to_downstream.py \\
        work_dirs/resnet101_8xb32_in1k-init_jft300m-299px/iter_4500000.pth \\
        checkpoints/resnet101_in1k-jft300m_mmdet-c4.pth
Command:  bash tools/dist_train.sh configs/faster_rcnn/faster-rcnn_r101-c4_in1k-jft300m-pre_8xb2_coco-minival.py 8
Cost:     as the JFT-300M run: 187,500 iterations x 16 images = 3M images.
That JFT run keeps JFT's [-1, 1] input, so this detector does too.
"""
_base_ = './faster-rcnn_r101-c4_jft300m-pre_8xb2_coco-minival.py'
init_source = 'configs/jft/resnet101_8xb32_in1k-init_jft300m-299px.py'

model = dict(init_cfg=dict(checkpoint='checkpoints/resnet101_in1k-jft300m_mmdet-c4.pth'))
