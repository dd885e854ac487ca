"""The data-size ablation on mini-JFT: a nested random 500-image subset of the 1,000 training images, for the parent's
19.2 epochs (19,200 images on 1,000 -> 9,600 on 500); the lr decay stays in images (x0.5 every 6,400): one decay,
at 6,400 images.

Command:  python tools/train.py configs/jft/resnet18-w16_1xb32_mini-jft-500-subset-64px.py
Cost:     300 iterations x 32 images of 64 px on one CPU process (~0.04 s each): 12 s plus two evaluations.
Curve:    tools/analysis_tools/summarize_results.py work_dirs --out docs/results (with the parent's run as 1,000).
"""
_base_ = './resnet18-w16_1xb32_mini-jft-64px.py'

train_dataloader = dict(dataset=dict(subset_size=500, subset_seed=0))
train_cfg = dict(max_iters=9_600, val_interval=4_800)  # images
default_hooks = dict(checkpoint=dict(interval=4_800))  # images
