"""ResNet-152 on JFT-300M from random init (capacity study, paper Fig. 5).

Command:  bash tools/dist_train.sh configs/jft/resnet152_8xb32_jft300m-299px.py 8
Cost:     1.152B images; raw PyTorch ~1,160 img/s on one H200 (bf16 + channels_last, docs/benchmarks.md).
"""
_base_ = './resnet101_8xb32_jft300m-299px.py'

model = dict(backbone=dict(depth=152))
