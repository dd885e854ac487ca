"""Faster R-CNN ResNet-101 C4 on PASCAL VOC 07+12 from the 30M-image JFT subset, everything before conv5 frozen
(paper Fig. 4 right, data size, frozen features: VOC07 test mAP@.5).

Needs the 30M run (configs/jft/resnet101_8xb32_jft300m-30m-subset-299px.py) converted:
    python tools/model_converters/mmjft_to_downstream.py \\
        "$(cat work_dirs/resnet101_8xb32_jft300m-30m-subset-299px/last_checkpoint)" \\
        checkpoints/resnet101_jft300m-30m-subset_mmdet-c4.pth
Command:  bash tools/dist_train.sh \\
              configs/faster_rcnn/faster-rcnn_r101-c4_jft300m-30m-subset-pre-frozen_8xb2_voc0712.py 8
Cost:     as the 300M frozen run: 1.5M images (93,750 iterations on 8 GPUs x 2), no backbone gradients.
"""
_base_ = './faster-rcnn_r101-c4_jft300m-pre-frozen_8xb2_voc0712.py'
init_source = 'configs/jft/resnet101_8xb32_jft300m-30m-subset-299px.py'

model = dict(init_cfg=dict(checkpoint='checkpoints/resnet101_jft300m-30m-subset_mmdet-c4.pth'))
