"""DeepLab-ASPP-L ResNet-101 on PASCAL VOC 2012 from JFT-300M weights (paper Fig. 6 '300M': 75.3 mIoU on val).

Needs the JFT checkpoint converted for mmseg (all five conv stages into the backbone):
    python tools/model_converters/mmjft_to_downstream.py --target mmseg \\
        work_dirs/resnet101_8xb32_jft300m-299px/iter_4500000.pth checkpoints/resnet101_jft300m_mmseg.pth
and VOC 2012 + SBD merged into trainaug (configs/_base_/datasets/voc12aug_513px.py gives mmseg's voc_aug command).
Command:  bash tools/dist_train.sh configs/deeplab/deeplab-aspp-l-r101-d8_jft300m-pre_2xb3_voc12aug-513px.py 2
Evaluate: python tools/test.py configs/deeplab/deeplab-aspp-l-r101-d8_jft300m-pre_2xb3_voc12aug-513px.py CKPT \\
              --cfg-options test_evaluator.output_dir=work_dirs/deeplab_r101_jft300m/val_png   (mIoU; PNG per image)
Cost:     30,000 iterations x 6 images (2 GPUs x 3) = 180K images at 513x513. 2 CPU cores: 4.3 s per iteration of one
          513x513 image (tools/benchmarks/deeplab.py); GPU: not yet timed.
Paper §5.3 settings live in the bases: model (plain ResNet at output stride 8, ASPP-L rates 6/12/18/24 summed,
Xavier init, frozen BN, input normalised as in JFT pretraining), data (trainaug -> val, 513x513, no augmentation,
single-scale test) and schedule (SGD 1e-3 at batch 6, poly 0.9, wd 5e-4, 10x lr on the branches; arithmetic in its
comments).
"""
_base_ = [
    '../_base_/models/deeplab-aspp-l_r101-d8_jft.py',
    '../_base_/datasets/voc12aug_513px.py',
    '../_base_/schedules/deeplab_voc_180k-images.py',
    'mmseg::_base_/default_runtime.py',
]
# the pretraining run the checkpoint comes from (its config fixes the input normalisation; tests check they agree)
init_source = 'configs/jft/resnet101_8xb32_jft300m-299px.py'

model = dict(init_cfg=dict(checkpoint='checkpoints/resnet101_jft300m_mmseg.pth'))
