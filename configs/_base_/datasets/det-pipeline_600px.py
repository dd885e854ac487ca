# The paper's detection input (§5.2), one pipeline for the COCO and VOC bases: shortest side 600, longest at most
# 1024, aspect kept; random horizontal flip (p 0.5) the only augmentation. Test: mmdet's order (boxes loaded after the
# resize, for the evaluator) and meta keys.
# Named *_600px, not train_pipeline / test_pipeline: mmengine refuses a key that two bases of one config both define,
# and mmdet's dataset bases (inherited beside this one) define those; the COCO and VOC bases copy these into them.
train_pipeline_600px = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=(1024, 600), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
test_pipeline_600px = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(1024, 600), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
