"""ResNet-101 on a random 100M-image subset of JFT-300M, the full run's 3.84 epochs (paper Fig. 4, data size).

Command:  bash tools/dist_train.sh configs/jft/resnet101_8xb32_jft300m-100m-subset-299px.py 8
Cost:     3.84 epochs x 100M = 384M images (1,500,000 iterations on 8 GPUs x 32), 1/3 of the 300M run.
The lr decay stays in images (x0.9 every 96M): three decays act, at 96M, 192M and 288M images; a fourth, at 384M,
lands on the final iteration, after the last update.
Subsets are nested: every size uses subset_seed 0, so the 10M images are among the 30M, those among the 100M
(mmjft/datasets/subset.py). Evaluation and checkpoints every 64M images (6 in the run).
"""
_base_ = './resnet101_8xb32_jft300m-299px.py'

train_dataloader = dict(dataset=dict(subset_size=100_000_000, subset_seed=0))
train_cfg = dict(max_iters=384_000_000, val_interval=64_000_000)  # images
default_hooks = dict(checkpoint=dict(interval=64_000_000))  # images
