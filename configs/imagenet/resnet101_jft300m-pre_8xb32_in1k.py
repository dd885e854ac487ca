"""ResNet-101 fine-tuned on ImageNet-1k from the 36M-step JFT-300M checkpoint (Table 1: 79.2 / 94.7).

Command:  bash tools/dist_train.sh configs/imagenet/resnet101_jft300m-pre_8xb32_in1k.py 8 \\
              --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/resnet101_8xb32_jft300m-299px/iter_4500000.pth
Cost:     100 epochs x 1.28M images = 128M images.
Paper §5.1: the baseline's recipe with lr 1e-3 (batch 32), 4M steps = 4M x 32 / 1,281,167 = 100 epochs, lr /10
every 30 epochs. Input normalised as in JFT pretraining ([-1, 1]) so the backbone sees what it was trained on.
"""
_base_ = './resnet101_8xb32_in1k-scratch.py'

model = dict(
    data_preprocessor=dict(mean=[127.5, 127.5, 127.5], std=[127.5, 127.5, 127.5], to_rgb=True),
    backbone=dict(
        init_cfg=dict(
            type='Pretrained', prefix='backbone',
            checkpoint='work_dirs/resnet101_8xb32_jft300m-299px/iter_4500000.pth')))
data_preprocessor = dict(mean=[127.5, 127.5, 127.5], std=[127.5, 127.5, 127.5])

optim_wrapper = dict(optimizer=dict(lr=1e-3))
train_cfg = dict(max_epochs=100)
