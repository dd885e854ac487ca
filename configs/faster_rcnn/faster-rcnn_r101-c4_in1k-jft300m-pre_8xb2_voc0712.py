"""Faster R-CNN ResNet-101 C4 on PASCAL VOC 07+12 from ImageNet-then-JFT-300M weights (Table 3: 81.3 mAP@.5).

Checkpoint: as configs/faster_rcnn/faster-rcnn_r101-c4_in1k-jft300m-pre_8xb2_coco-minival.py
(checkpoints/resnet101_in1k-jft300m_mmdet-c4.pth).
Command:  bash tools/dist_train.sh configs/faster_rcnn/faster-rcnn_r101-c4_in1k-jft300m-pre_8xb2_voc0712.py 8
Cost:     43,750 iterations x 16 images = 700K images.
"""
_base_ = './faster-rcnn_r101-c4_jft300m-pre_8xb2_voc0712.py'
init_source = 'configs/jft/resnet101_8xb32_in1k-init_jft300m-299px.py'

model = dict(init_cfg=dict(checkpoint='checkpoints/resnet101_in1k-jft300m_mmdet-c4.pth'))
