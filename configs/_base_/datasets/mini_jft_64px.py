# mini-JFT (python tools/dataset_converters/make_mini_jft.py data/mini_jft, mmjft.mini.make_mini_jft): generated 64 px
# JPEGs in JFT's JSONL layout, 1,000 for training with noisy labels and 200 held out, 73 classes (48 leaves and their
# ancestors). The JFT base's input scaled down: resize to 72x72 (aspect not kept), random 64 crop and flip; evaluation
# resize 72 + centre 64 crop (340 -> 299 for JFT). 2 loader workers for a run on a CPU.
_base_ = './jft300m_bs32_299px.py'

data_root = 'data/mini_jft/'
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(72, 72), keep_ratio=False),
    dict(type='RandomCrop', crop_size=64),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(72, 72), keep_ratio=False),
    dict(type='CenterCrop', crop_size=64),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    num_workers=2, persistent_workers=False,
    dataset=dict(data_root=data_root, ann_file='train.jsonl', pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=2, persistent_workers=False,
    dataset=dict(data_root=data_root, ann_file='val.jsonl', pipeline=test_pipeline))
test_dataloader = val_dataloader
