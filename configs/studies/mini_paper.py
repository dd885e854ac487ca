"""The paper in miniature: pretraining data size x depth x seeds, transferred to detection (fine-tuned and frozen),
segmentation and pose, with the classes, label-noise and long-tail arms; the five findings computed as verdicts.

Command:  python tools/run_study.py configs/studies/mini_paper.py          (bash tools/run_main_job.sh runs it)
          python tools/run_study.py configs/studies/mini_paper.py --quick  (a smaller grid, into *_quick)
Report:   work_dirs/mini_paper/mini_paper.md (+ mini_paper_curves.png, results.json)
Cost:     measured per stage in docs/results/mini_paper.md (2 CPU lanes).

The protocol, as the paper's (§4.3, Fig. 4-6):
- nested random subsets of the 1,000 mini-JFT training images (subset_seed 0 for every size and seed), each
  pretrained for the same 8 epochs (more data, more steps; the lr decay stays in images), 125 to 1,000 images (8x);
- two seeds (randomness.seed 0 and 1) for every cell a verdict compares;
- capacity on the depth axis (Fig. 5): narrow ResNet-18 and ResNet-34 (16 base channels), R34 at 125 and 1,000;
- frozen = conv1-4 frozen (backbone.frozen_stages=3), conv5 (the C4 RoI head) trained;
- the mini world keeps its Zipf long tail and ~20% label noise; the clean arm trains on train_clean.jsonl, the flat
  arm on a world generated with --zipf-exponent 0 (no long tail), both at 1,000 images;
- the classes arm: 500 images among those carrying one of 7 shape classes (configs/studies/mini_paper_classes.txt,
  9.6% of the 73 classes), head and validation on those 7, vs 500 images over all 73 (Table 6);
- pose uses the true person boxes (no detector cell): our extension, the paper has no pose-vs-data curve.
"""
MINI_JFT = 'configs/jft/resnet18-w16_1xb32_mini-jft-64px.py'
DET = 'configs/faster_rcnn/faster-rcnn_r18-c4_mini-jft-pre_1xb2_mini-coco-96px.py'
SEG = 'configs/deeplab/deeplab-aspp-l-r18-d8_mini-jft-pre_1xb2_mini-voc-seg-128px.py'
POSE = 'configs/pose/grmi-r18-d8_mini-jft-pre_1xb8_mini-keypoints-129px.py'

study_name = 'mini_paper'
work_root = 'work_dirs/mini_paper'
findings = dict(task='detection')

EPOCHS = 8
LOADERS = {f'{s}_dataloader.{k}': v for s in ('train', 'val', 'test')
           for k, v in (('num_workers', 0), ('persistent_workers', False))}  # a lane is one thread


def data_cells():
    tool = 'tools/dataset_converters/'
    return [
        dict(name='data_mini_jft', stage='data', command=[tool + 'make_mini_jft.py', 'data/mini_jft'],
             produces=['data/mini_jft']),
        dict(name='data_mini_jft_flat', stage='data', produces=['data/mini_jft_flat'],
             command=[tool + 'make_mini_jft.py', 'data/mini_jft_flat', '--zipf-exponent', '0']),
        dict(name='data_shape_classes', stage='data', needs=['data_mini_jft'],
             produces=['data/mini_jft/shape_classes.txt'],
             command=[tool + 'make_classes_subset.py', 'data/mini_jft/classes.txt',
                      'configs/studies/mini_paper_classes.txt', 'data/mini_jft/shape_classes.txt']),
        dict(name='data_mini_coco', stage='data', produces=['data/mini_coco'],
             command=[tool + 'make_mini_detection.py', 'data/mini_coco', '--format', 'coco']),
        dict(name='data_mini_voc_seg', stage='data', produces=['data/mini_voc_seg'],
             command=[tool + 'make_mini_detection.py', 'data/mini_voc_seg', '--format', 'voc-seg']),
        dict(name='data_mini_keypoints', stage='data', produces=['data/mini_keypoints'],
             command=[tool + 'make_mini_detection.py', 'data/mini_keypoints', '--format', 'coco-keypoints']),
    ]


def pretrain_cell(depth, images, seed, arm='default', classes='all'):
    """A pretraining cell: ``images`` of the arm's world for EPOCHS epochs (counts in images)."""
    name = f'pre_r{depth}_n{images}_s{seed}' + (f'_{arm}' if arm != 'default' else '') + (
        '_7cls' if classes != 'all' else '')
    seen = EPOCHS * images
    options = {'model.backbone.depth': depth, 'randomness.seed': seed, 'train_dataloader.dataset.subset_size': images,
               'train_dataloader.dataset.subset_seed': 0, 'train_cfg.max_iters': seen, 'train_cfg.val_interval': seen,
               'default_hooks.checkpoint.interval': seen, **LOADERS}
    needs = ['data_mini_jft']
    if arm == 'clean':
        options['train_dataloader.dataset.ann_file'] = 'train_clean.jsonl'
    if arm == 'flat':
        options.update({f'{s}_dataloader.dataset.data_root': 'data/mini_jft_flat/' for s in ('train', 'val', 'test')})
        needs = ['data_mini_jft_flat']
    if classes != 'all':
        options['model.head.num_classes'] = 'auto'
        options.update({f'{s}_dataloader.dataset.classes_subset': 'shape_classes.txt' for s in ('train', 'val', 'test')})
        needs.append('data_shape_classes')
    return dict(name=name, stage='pretrain', config=MINI_JFT, options=options, needs=needs,
                record=dict(task='pretrain', depth=depth, seed=seed, images=images, labels=arm, classes=classes,
                            metric='jft/mAP@100'))


TASKS = dict(  # task: (config, converter target, metric, data cell, images trained: a short schedule, lr decay at 3/4)
    detection=(DET, 'mmdet-c4', 'coco/bbox_mAP_50', 'data_mini_coco', 120),  # 60 iterations x 2 images
    segmentation=(SEG, 'mmseg', 'mIoU', 'data_mini_voc_seg', 240),  # 120 iterations x 2 images
    pose=(POSE, 'mmpose', 'coco/AP', 'data_mini_keypoints', 480))  # 60 iterations x 8 person crops


def schedule(task, images):
    """The downstream run's length in images (auto_scale_schedule), one evaluation and one checkpoint at its end."""
    options = {'train_cfg.max_iters': images, 'train_cfg.val_interval': images,
               'default_hooks.checkpoint.interval': images, 'param_scheduler.0.end': images}
    if task != 'segmentation':  # MultiStepLR (segmentation: PolyLR)
        options['param_scheduler.0.milestones'] = [images * 3 // 4]
    return options


def downstream_cells(task, pre=None, depth=18, seed=0, frozen=False):
    """A conversion of ``pre`` (a pretraining cell; None: random init) and the downstream run from it."""
    config, target, metric, data, images = TASKS[task]
    record = dict(task=task, depth=depth, seed=seed, frozen=frozen, metric=metric)
    options = {'randomness.seed': seed, 'model.backbone.depth': depth, **schedule(task, images), **LOADERS}
    if task == 'detection':
        options['model.roi_head.shared_head.depth'] = depth
    if frozen:
        options['model.backbone.frozen_stages'] = 3
    if task == 'pose':  # the true person boxes
        options.update({'val_dataloader.dataset.bbox_file': None, 'test_dataloader.dataset.bbox_file': None})
    cells = []
    if pre is None:
        options['model.init_cfg'] = None
        record.update(init='random')
        suffix = f'random_r{depth}_s{seed}'
    else:
        convert = f'cnv_{target}_' + pre['name'][len('pre_'):]
        cells.append(dict(name=convert, stage='convert', source=pre['name'], target=target))
        options['model.init_cfg.checkpoint'] = '{out:' + convert + '}'
        p = pre['record']
        record.update(init='jft', images=p['images'], labels=p['labels'], classes=p['classes'])
        suffix = pre['name'][len('pre_'):]
    name = f'{task[:3]}{"_frozen" if frozen else ""}_{suffix}'
    cells.append(dict(name=name, stage='downstream', config=config, options=options, needs=[data], record=record))
    return cells


def grid(sizes, depths, seeds, arms=True, pose_sizes=None, seg=True, frozen=True, deep_sizes=None):
    """The cells: pretraining of every depth x size x seed (the deeper depths at ``deep_sizes``), the arms at the
    first depth, and their transfers (detection from every pretraining and from random init; frozen detection and
    segmentation at the first depth; pose at ``pose_sizes``)."""
    cells, converts = data_cells(), set()

    def add(new):
        for c in new:
            if c['stage'] != 'convert' or c['name'] not in converts:
                converts.add(c['name'])
                cells.append(c)

    pres = {}
    for depth in depths:
        for n in sizes if depth == depths[0] else deep_sizes or sizes:
            for s in seeds:
                pres[depth, n, s] = pretrain_cell(depth, n, s)
    for s in seeds:
        if arms:
            pres['7cls', s] = pretrain_cell(depths[0], sizes[-2], s, classes='subset')
            pres['clean', s] = pretrain_cell(depths[0], sizes[-1], s, arm='clean')
            pres['flat', s] = pretrain_cell(depths[0], sizes[-1], s, arm='flat')
    cells += list(pres.values())
    for key, pre in pres.items():
        depth, seed = pre['record']['depth'], pre['record']['seed']
        add(downstream_cells('detection', pre, depth, seed))
        if key[0] == depths[0] and frozen:
            add(downstream_cells('detection', pre, depth, seed, frozen=True))
        if key[0] == depths[0] and seg:
            add(downstream_cells('segmentation', pre, depth, seed))
        if key[0] == depths[0] and pre['record']['images'] in (pose_sizes or ()):
            add(downstream_cells('pose', pre, depth, seed))
    for s in seeds:
        for depth in depths:
            add(downstream_cells('detection', None, depth, s))
        if seg:
            add(downstream_cells('segmentation', None, depths[0], s))
        if pose_sizes:
            add(downstream_cells('pose', None, depths[0], s))
    needed = {n for c in cells for n in c.get('needs', [])}
    cells = [c for c in cells if c['stage'] != 'data' or c['name'] in needed]  # the data the grid reads
    return cells + [dict(name='summary', stage='summary')]


# R34 at the smallest and largest size: finding 2's interaction needs two sizes per depth, its gain test the largest
cells = grid(sizes=(125, 250, 500, 1000), depths=(18, 34), seeds=(0, 1), pose_sizes=(1000, ), deep_sizes=(125, 1000))
quick_cells = grid(sizes=(125, 1000), depths=(18, ), seeds=(0, ), arms=False, frozen=False, pose_sizes=())
