# ResNet-101 with one 2048 -> 18,291 fully-connected layer and a sigmoid per label (paper §4.1).
model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(
        type='ClsDataPreprocessor', mean=[127.5, 127.5, 127.5], std=[127.5, 127.5, 127.5], to_rgb=True),
    backbone=dict(type='ResNet', depth=101, num_stages=4, out_indices=(3, ), style='pytorch'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='HierarchicalMultiLabelHead',
        num_classes=18291,
        in_channels=2048,
        loss=dict(type='CrossEntropyLoss', use_sigmoid=True),
        # start at the labels' prior: JFT has ~1.26 labels/image (more after ancestor expansion) over 18,291
        # classes, so p ~ 1e-4 makes the first loss ~ C * H(p) instead of C * log 2.
        prior_prob=1e-4,
    ))
