"""ResNet-101 on a random 10M-image subset of JFT-300M, the full run's 3.84 epochs (paper Fig. 4, data size).

Command:  bash tools/dist_train.sh configs/jft/resnet101_8xb32_jft300m-10m-subset-299px.py 8
Cost:     3.84 epochs x 10M = 38.4M images (150,000 iterations on 8 GPUs x 32), 1/30 of the 300M run.
The lr decay stays in images (x0.9 every 96M): this run ends at 38.4M images, before the first decay, so its lr
stays at 1e-3 per 32 images throughout (the 300M run's lr decays 11 times; a 12th decay, at 1.152B images, lands
on its final iteration, after the last update).
Subsets are nested: every size uses subset_seed 0, so the 10M images are among the 30M, those among the 100M
(mmjft/datasets/subset.py). Evaluation and checkpoints every 6.4M images (6 in the run).
"""
_base_ = './resnet101_8xb32_jft300m-299px.py'

train_dataloader = dict(dataset=dict(subset_size=10_000_000, subset_seed=0))
train_cfg = dict(max_iters=38_400_000, val_interval=6_400_000)  # images
default_hooks = dict(checkpoint=dict(interval=6_400_000))  # images
