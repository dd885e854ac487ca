"""ResNet-50 on JFT-300M from random init (capacity study, paper Fig. 5).

Command:  bash tools/dist_train.sh configs/jft/resnet50_8xb32_jft300m-299px.py 8
Cost:     1.152B images; roughly 1.7x the ResNet-101 throughput.
"""
_base_ = './resnet101_8xb32_jft300m-299px.py'

model = dict(backbone=dict(depth=50))
