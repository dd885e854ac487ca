"""G-RMI top-down pose, ResNet-101 at output stride 8, from ImageNet+JFT-300M weights (paper Table 7
'ImageNet+300M': COCO test-dev AP 64.4, AP@.5 85.7, AR 69.1, AR@.5 88.2).

Needs the JFT run initialised from ImageNet (configs/jft/resnet101_8xb32_in1k-init_jft300m-299px.py), converted:
    python tools/model_converters/mmjft_to_downstream.py --target mmpose \\
        work_dirs/resnet101_8xb32_in1k-init_jft300m-299px/iter_4500000.pth checkpoints/resnet101_in1k-jft300m_mmpose.pth
Person boxes: as the JFT-300M config (configs/pose/README.md).
Command:  bash tools/dist_train.sh configs/pose/grmi-r101-d8_in1k-jft300m-pre_8xb4_coco-353x257.py 8
Cost:     as the JFT-300M run: 450,000 iterations x 32 crops.
"""
_base_ = ['./grmi-r101-d8_jft300m-pre_8xb4_coco-353x257.py']
init_source = 'configs/jft/resnet101_8xb32_in1k-init_jft300m-299px.py'

model = dict(init_cfg=dict(checkpoint='checkpoints/resnet101_in1k-jft300m_mmpose.pth'))
