"""G-RMI pose, ResNet-101 at output stride 8, from JFT-300M weights with conv1-conv4 frozen (frozen-features variant).

conv1..conv4 (stem and layer1-3) keep their pretrained weights; conv5 (dilated) and the disk + offset head train. The
paper's Fig. 4 compares fine-tuning with frozen features for detection; this is the same comparison for pose. The
paper gives no frozen pose schedule: the fine-tuning recipe is kept unchanged. A data-size subset's checkpoint: point
model.init_cfg.checkpoint at it (converted with --target mmpose).
Command:  bash tools/dist_train.sh configs/pose/grmi-r101-d8_jft300m-pre-frozen_8xb4_coco-353x257.py 8
Cost:     as the fine-tuned run (14.4M crops = 450,000 iterations on 8 GPUs x 4), no gradients below conv5.
"""
_base_ = './grmi-r101-d8_jft300m-pre_8xb4_coco-353x257.py'

model = dict(backbone=dict(frozen_stages=3))  # stem + layer1-3 = conv1..conv4
