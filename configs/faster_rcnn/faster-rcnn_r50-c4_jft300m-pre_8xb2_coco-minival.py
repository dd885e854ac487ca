"""Faster R-CNN ResNet-50 C4 on COCO from JFT-300M weights (capacity study, paper Fig. 5).

Needs configs/jft/resnet50_8xb32_jft300m-299px.py's checkpoint converted for mmdet's C4 layout:
    python tools/model_converters/mmjft_to_downstream.py \\
        work_dirs/resnet50_8xb32_jft300m-299px/iter_4500000.pth checkpoints/resnet50_jft300m_mmdet-c4.pth
Command:  bash tools/dist_train.sh configs/faster_rcnn/faster-rcnn_r50-c4_jft300m-pre_8xb2_coco-minival.py 8
Cost:     187,500 iterations x 16 images = 3M images, as ResNet-101.
"""
_base_ = './faster-rcnn_r101-c4_jft300m-pre_8xb2_coco-minival.py'
init_source = 'configs/jft/resnet50_8xb32_jft300m-299px.py'

model = dict(
    init_cfg=dict(checkpoint='checkpoints/resnet50_jft300m_mmdet-c4.pth'),
    backbone=dict(depth=50),
    roi_head=dict(shared_head=dict(depth=50)))
