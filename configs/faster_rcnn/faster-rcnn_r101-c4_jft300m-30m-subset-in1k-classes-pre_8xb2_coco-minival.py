"""Faster R-CNN ResNet-101 C4 on COCO from 30M JFT images restricted to the 941 ImageNet-matching classes (paper
Table 6: 31.2 mAP@[.5,.95] vs 31.9 for 30M images over all 18K classes, faster-rcnn_r101-c4_jft300m-30m-subset-pre).

Needs configs/jft/resnet101_8xb32_jft300m-30m-subset-in1k-classes-299px.py converted:
    python tools/model_converters/mmjft_to_downstream.py \\
        "$(cat work_dirs/resnet101_8xb32_jft300m-30m-subset-in1k-classes-299px/last_checkpoint)" \\
        checkpoints/resnet101_jft300m-30m-subset-in1k-classes_mmdet-c4.pth
Command:  bash tools/dist_train.sh \\
              configs/faster_rcnn/faster-rcnn_r101-c4_jft300m-30m-subset-in1k-classes-pre_8xb2_coco-minival.py 8
Cost:     3M images (187,500 iterations on 8 GPUs x 2).
"""
_base_ = './faster-rcnn_r101-c4_jft300m-30m-subset-pre_8xb2_coco-minival.py'
init_source = 'configs/jft/resnet101_8xb32_jft300m-30m-subset-in1k-classes-299px.py'

model = dict(init_cfg=dict(checkpoint='checkpoints/resnet101_jft300m-30m-subset-in1k-classes_mmdet-c4.pth'))
