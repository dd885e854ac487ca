"""The data-size ablation on mini-JFT: a nested random 250-image subset of the 1,000 training images, for the parent's
19.2 epochs (19,200 images on 1,000 -> 4,800 on 250); the lr decay stays in images (x0.5 every 6,400), so this
run ends before the first decay (the parent's lr halves twice, at 6,400 and 12,800; a third halving, at 19,200,
lands on its final iteration, after the last update).

Command:  python tools/train.py configs/jft/resnet18-w16_1xb32_mini-jft-250-subset-64px.py
Cost:     150 iterations x 32 images of 64 px on one CPU process (~0.04 s each): 6 s plus two evaluations.
Curve:    tools/analysis_tools/summarize_results.py work_dirs --out docs/results (with the parent's run as 1,000).
"""
_base_ = './resnet18-w16_1xb32_mini-jft-64px.py'

train_dataloader = dict(dataset=dict(subset_size=250, subset_seed=0))
train_cfg = dict(max_iters=4_800, val_interval=2_400)  # images
default_hooks = dict(checkpoint=dict(interval=2_400))  # images
