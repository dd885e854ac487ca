# JFT-300M (or any collection in its JSONL format): paper §4.1 input pipeline and §4.2 FastEval14k evaluation.
# Pixels go to [-1, 1] per channel (mean 127.5, std 127.5, RGB).
dataset_type = 'JFTDataset'
data_root = 'data/jft300m/'
jft_meta = dict(classes_file='classes.txt', hierarchy_file='hierarchy.json')

data_preprocessor = dict(
    type='ClsDataPreprocessor', mean=[127.5, 127.5, 127.5], std=[127.5, 127.5, 127.5], to_rgb=True)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(340, 340), keep_ratio=False),  # 340x340, aspect not kept
    dict(type='RandomCrop', crop_size=299),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(340, 340), keep_ratio=False),
    dict(type='CenterCrop', crop_size=299),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=32,  # per GPU, as the paper's workers
    num_workers=8,
    persistent_workers=True,
    dataset=dict(
        type=dataset_type, data_root=data_root, ann_file='train.jsonl', **jft_meta,
        expand_hierarchy=True, pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True),
)
# FastEval14k: 14,000 densely labelled held-out images (labels from 6,000 of the classes)
val_dataloader = dict(
    batch_size=64,
    num_workers=8,
    dataset=dict(
        type=dataset_type, data_root=data_root, ann_file='fasteval14k.jsonl', **jft_meta,
        expand_hierarchy=True, test_mode=True, pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
val_evaluator = dict(type='MAPAtK', k=100, class_weights='frequency')
test_dataloader = val_dataloader
test_evaluator = val_evaluator
