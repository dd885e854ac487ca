"""Faster R-CNN ResNet-101 C4 on PASCAL VOC 07+12, fine-tuned from the 100M-image JFT subset (paper Fig. 4 right,
data size, fine-tuning: VOC07 test mAP@.5).

Needs the 100M run (configs/jft/resnet101_8xb32_jft300m-100m-subset-299px.py) converted:
    python tools/model_converters/mmjft_to_downstream.py \\
        "$(cat work_dirs/resnet101_8xb32_jft300m-100m-subset-299px/last_checkpoint)" \\
        checkpoints/resnet101_jft300m-100m-subset_mmdet-c4.pth
Command:  bash tools/dist_train.sh configs/faster_rcnn/faster-rcnn_r101-c4_jft300m-100m-subset-pre_8xb2_voc0712.py 8
Cost:     as the 300M run: 43,750 iterations x 16 images = 700K images.
"""
_base_ = './faster-rcnn_r101-c4_jft300m-pre_8xb2_voc0712.py'
init_source = 'configs/jft/resnet101_8xb32_jft300m-100m-subset-299px.py'

model = dict(init_cfg=dict(checkpoint='checkpoints/resnet101_jft300m-100m-subset_mmdet-c4.pth'))
