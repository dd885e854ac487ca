"""The paper's own grid at full scale (Sun et al. 2017): JFT-300M and ImageNet pretraining of ResNet-50/101/152, each
checkpoint converted and transferred to COCO and VOC07 detection (fine-tuned and conv1-4 frozen), VOC12 segmentation,
COCO pose (on our own person boxes) and ImageNet fine-tuning, over the existing leaf configs only: a cell is a leaf
config plus ``--cfg-options`` that point its init checkpoint at an upstream cell's output (``{out:...}``).

Command:  python tools/run_study.py configs/studies/jft300m_paper.py --dry-run      (checks every cell, lists commands)
          python tools/run_study.py configs/studies/jft300m_paper.py --dry-run --launcher slurm --partition P --gpus 64
              (the Slurm lines: pretraining on 64 GPUs, tools/slurm_train.sh; the downstream cells keep their
              configs' 8xb2 / 2xb3 / 8xb4 / 8xb32, tests through tools/slurm_test.sh)
          python tools/run_study.py configs/studies/jft300m_paper.py    (runs the cells here, resumable; a GPU cluster
              runs the printed lines instead, in the printed order)
Report:   work_dirs/jft300m_paper/jft300m_paper.md (+ results.json); each cell in work_dirs/jft300m_paper/<cell>/.

The grid (cell names: pre_*, cnv_<target>_*, det-coco[-frozen]_*, det-voc[-frozen]_*, seg[-frozen]_*, pose[-frozen]_*,
boxes-person_*, in1k-ft_*):
- data size (Fig. 4 detection, Fig. 6 right segmentation): ResNet-101 on nested random 10M / 30M / 100M subsets and
  all 300M, each for the full run's ~4 epochs; COCO minival* and VOC07 detection fine-tuned and frozen, VOC12 DeepLab;
- 300M vs ImageNet vs ImageNet+300M (Tables 2/9, 3, 7, Fig. 6 left): ResNet-101 on every task;
- capacity (Fig. 5): ResNet-50 / 152 on 300M and on ImageNet, COCO detection (and DeepLab: our extension);
- classes (Table 6): 30M images over the 941 ImageNet-matching JFT classes vs 30M over all classes;
- epochs (Table 4): the 300M run's checkpoints after 1.3 and 2.6 epochs (images_384M.pth, images_768M.pth of that one
  run) and its final one (4 epochs); ImageNet epochs (Table 5): the ImageNet run's milestone_epoch_{3,6,12}.pth and
  its final epoch_125.pth (the paper's '150 ep' column: its 5M steps x 32 are 125 epochs);
- ImageNet fine-tuning from the 300M checkpoint (Table 1), against the ImageNet run itself (its own top-1).
- frozen segmentation and frozen pose (conv1-4 frozen): our extension, as Fig. 4's frozen detection.

ImageNet init is the faithful one everywhere: the paper's own baseline, configs/imagenet/resnet{50,101,152}_8xb32_
in1k-scratch.py trained here (pre_r*_in1k), converted by cnv_* cells like any JFT checkpoint (the in1k-pre leaves'
default, torchvision's IMAGENET1K_V1 shortcut under checkpoints/, is overridden by '{out:cnv_*}'); the ImageNet+300M
JFT run starts from that run's final checkpoint (its model.backbone.init_cfg.checkpoint). The intermediate
checkpoints of Tables 4 and 5 are converted by convert cells naming the file (``checkpoint``: images_384M.pth,
milestone_epoch_3.pth, ...; cnv_mmdet-c4_r101_jft300m-1.3ep & co.).

Not in the grid: COCO test-dev (Table 2's detection column and Table 7's pose submission,
configs/pose/grmi-r101-d8_jft300m-pre_8xb4_coco-test-dev-353x257.py): a cell's test runs its own config and
options on the trained checkpoint once, so a second, test-dev test of the person detector (its boxes) and of the pose
model does not fit; run those by hand (the configs' 'Test-dev' lines). The ResNet-50/152 ImageNet+300M pretraining
configs (configs/jft/resnet{50,152}_8xb32_in1k-init_jft300m-299px.py) have no downstream leaf, and the paper's
Fig. 5 compares ImageNet and 300M only: not run. The -shards and -gpu-decode JFT configs are the 300M run fed
another way: swap one in as pre_r101_jft300m's config when the cluster's storage needs it.

Data (the user's; the cells without a command only check that it is there): data/jft300m (classes.txt,
hierarchy.json, train.jsonl, fasteval14k.jsonl, images; configs/jft/README.md) with imagenet_classes.txt, the 941
ImageNet-matching JFT classes (tools/dataset_converters/make_classes_subset.py writes it from a mapping); data/imagenet
(mmpretrain's layout); data/coco (2014 and 2017 images and annotations, and mscoco_minival_ids.txt, the TF object
detection API's 8,000 minival* ids: data_coco_minival splits val2014 with it); data/VOCdevkit (VOC2007, VOC2012,
and SBD merged into trainaug by mmseg's voc_aug.py, configs/deeplab/README.md).

Records: ``images`` is the paper's data size (a JFT subset's subset_size; 300M for the full set: the summary
refuses a run that read another size than planned, so set it to the user's file's count where that differs; 1,281,167
for ImageNet), ``epochs`` the pretraining epochs where an ablation varies them (its ``init`` says so too, e.g.
'jft-1.3ep', keeping it apart from the 4-epoch arm); seed 0 everywhere (the paper reports single runs, so the
summary's seed-spread verdicts stay inconclusive: the tables are the result).

Cost, as the leaf configs state it (GPU-days of an H200 at the throughput their docstrings give, if the input
pipeline keeps up; the real multi-GPU rate is lower): JFT pretraining ResNet-101 300M 8.3 (1.152B images at ~1,600
img/s), ImageNet+300M 8.3, ResNet-152 11.5 (~1,160 img/s), ResNet-50 4.9 (~1.7x ResNet-101's rate), the 10M / 30M /
100M subsets 0.28 / 0.83 / 2.8 and the 30M classes subset 0.83: 37.8 GPU-days, about 0.6 days on 64 GPUs. The
ImageNet runs (160M images each at 224 px), the detectors (3M images each on COCO, 0.7M on VOC, 1.5M frozen),
DeepLab (180K images at 513 px), G-RMI (14.4M crops) and the ImageNet fine-tuning (128M images) state no GPU
throughput yet (not timed on a GPU): their cost is not stated here.
Note: under --gpus 64 the ImageNet scratch runs (pretraining cells) train with a global batch of 2,048 at the
auto-scaled lr 3.2 and no warm-up; the config was written for 8 x 32.
"""
study_name = 'jft300m_paper'
work_root = 'work_dirs/jft300m_paper'
findings = dict(task='detection')

JFT, IMAGENET, DET, SEG, POSE = 'configs/jft/', 'configs/imagenet/', 'configs/faster_rcnn/', 'configs/deeplab/', \
    'configs/pose/'
IN1K_IMAGES = 1_281_167
M = 1_000_000
METRICS = {'pretrain': 'jft/mAP@100', 'imagenet': 'accuracy/top1', 'detection': 'coco/bbox_mAP',
           'detection_voc07': 'pascal_voc/mAP', 'segmentation': 'mIoU', 'pose': 'coco/AP',
           'person_detection': 'coco/bbox_mAP', 'classification': 'accuracy/top1'}

data_cells = [
    dict(name='data_jft300m', stage='data', produces=['data/jft300m']),
    dict(name='data_jft300m_in1k_classes', stage='data', needs=['data_jft300m'],
         produces=['data/jft300m/imagenet_classes.txt']),
    dict(name='data_imagenet', stage='data', produces=['data/imagenet']),
    dict(name='data_coco', stage='data', produces=['data/coco']),
    dict(name='data_coco_minival', stage='data', needs=['data_coco'],
         command=['tools/dataset_converters/coco_minival_split.py', 'data/coco/annotations/instances_val2014.json',
                  'data/coco/mscoco_minival_ids.txt', 'data/coco/annotations'],
         produces=['data/coco/annotations/instances_minival.json',
                   'data/coco/annotations/instances_valminusminival.json']),
    dict(name='data_voc', stage='data', produces=['data/VOCdevkit']),
]


def pretrain(suffix, config, depth, images, init='jft', classes='all', options=None, needs=('data_jft300m', ),
             paper=''):
    """A pretraining cell ``pre_<suffix>`` (JFT, or ImageNet from scratch when init='imagenet')."""
    task_metric = METRICS['imagenet'] if init == 'imagenet' else METRICS['pretrain']
    return dict(name='pre_' + suffix, stage='pretrain', config=config, options=dict(options or {}), needs=list(needs),
                record=dict(task='pretrain', depth=depth, frozen=False, init=init, images=images, classes=classes,
                            seed=0, metric=task_metric, paper=paper))


pretrain_cells = [
    pretrain('r101_jft300m', JFT + 'resnet101_8xb32_jft300m-299px.py', 101, 300 * M,
             paper='Fig. 4-6, Tables 1-4, 7: 300M'),
    pretrain('r101_jft300m-10m', JFT + 'resnet101_8xb32_jft300m-10m-subset-299px.py', 101, 10 * M,
             paper='Fig. 4, 6: 10M'),
    pretrain('r101_jft300m-30m', JFT + 'resnet101_8xb32_jft300m-30m-subset-299px.py', 101, 30 * M,
             paper='Fig. 4, 6, Table 6: 30M'),
    pretrain('r101_jft300m-100m', JFT + 'resnet101_8xb32_jft300m-100m-subset-299px.py', 101, 100 * M,
             paper='Fig. 4, 6: 100M'),
    pretrain('r101_jft300m-30m-in1k-classes', JFT + 'resnet101_8xb32_jft300m-30m-subset-in1k-classes-299px.py', 101,
             30 * M, classes='subset', needs=('data_jft300m', 'data_jft300m_in1k_classes'),
             paper='Table 6: 30M, 941 classes'),
    pretrain('r101_in1k-jft300m', JFT + 'resnet101_8xb32_in1k-init_jft300m-299px.py', 101, 300 * M,
             init='imagenet+jft', options={'model.backbone.init_cfg.checkpoint': '{out:pre_r101_in1k}'},
             paper='Tables 2, 3, 7, Fig. 6: ImageNet+300M'),
    pretrain('r50_jft300m', JFT + 'resnet50_8xb32_jft300m-299px.py', 50, 300 * M, paper='Fig. 5: R50 300M'),
    pretrain('r152_jft300m', JFT + 'resnet152_8xb32_jft300m-299px.py', 152, 300 * M, paper='Fig. 5: R152 300M'),
    pretrain('r50_in1k', IMAGENET + 'resnet50_8xb32_in1k-scratch.py', 50, IN1K_IMAGES, init='imagenet',
             needs=('data_imagenet', ), paper='Fig. 5: R50 ImageNet'),
    pretrain('r101_in1k', IMAGENET + 'resnet101_8xb32_in1k-scratch.py', 101, IN1K_IMAGES, init='imagenet',
             needs=('data_imagenet', ), paper='Tables 1-3, 5, 7, Fig. 6: ImageNet'),
    pretrain('r152_in1k', IMAGENET + 'resnet152_8xb32_in1k-scratch.py', 152, IN1K_IMAGES, init='imagenet',
             needs=('data_imagenet', ), paper='Fig. 5: R152 ImageNet'),
]
PRE = {c['name'][len('pre_'):]: c for c in pretrain_cells}

# Intermediate checkpoints (Tables 4, 5): suffix -> (pretraining suffix, checkpoint file in its work_dir, epochs)
MILESTONES = {
    'r101_jft300m-1.3ep': ('r101_jft300m', 'images_384M.pth', 1.3),
    'r101_jft300m-2.6ep': ('r101_jft300m', 'images_768M.pth', 2.6),
    'r101_in1k-3ep': ('r101_in1k', 'milestone_epoch_3.pth', 3),
    'r101_in1k-6ep': ('r101_in1k', 'milestone_epoch_6.pth', 6),
    'r101_in1k-12ep': ('r101_in1k', 'milestone_epoch_12.pth', 12),
}


def conversion(target, suffix):
    """The cell that converts pretraining ``suffix`` for ``target``: its final checkpoint, or (MILESTONES) the named
    intermediate checkpoint of its work_dir."""
    name = f'cnv_{target}_{suffix}'
    if suffix not in MILESTONES:
        return dict(name=name, stage='convert', source='pre_' + suffix, target=target)
    source, checkpoint, _ = MILESTONES[suffix]
    return dict(name=name, stage='convert', source='pre_' + source, target=target, checkpoint=checkpoint)


TARGETS = dict(detection='mmdet-c4', detection_voc07='mmdet-c4', person_detection='mmdet-c4', segmentation='mmseg',
               pose='mmpose')
PREFIX = dict(detection='det-coco', detection_voc07='det-voc', segmentation='seg', pose='pose',
              person_detection='boxes-person', classification='in1k-ft')
DATA = dict(detection=['data_coco_minival'], detection_voc07=['data_voc'], segmentation=['data_voc'],
            pose=['data_coco'], person_detection=['data_coco'], classification=['data_imagenet'])
BOXES = 'boxes-person_r101_jft300m'


def downstream(task, config, suffix, frozen=False, paper=''):
    """A downstream (or person-boxes) cell from pretraining ``suffix`` (a MILESTONES key: that checkpoint)."""
    source, _, epochs = MILESTONES.get(suffix, (suffix, None, None))
    pre = PRE[source]['record']
    name = f'{PREFIX[task]}{"-frozen" if frozen else ""}_{suffix}'
    record = dict(task=task, depth=pre['depth'], frozen=frozen, init=pre['init'], images=pre['images'],
                  classes=pre['classes'], seed=0, metric=METRICS[task], paper=paper)
    if epochs is not None:  # an epochs-ablation arm, apart from the final checkpoint's
        record.update(epochs=epochs, init=f'{pre["init"]}-{epochs}ep')
    if task == 'classification':  # ImageNet fine-tuning reads the pretraining checkpoint as it is
        options = {'model.backbone.init_cfg.checkpoint': '{out:pre_' + suffix + '}'}
    else:
        options = {'model.init_cfg.checkpoint': '{out:' + conversion(TARGETS[task], suffix)['name'] + '}'}
    if task == 'pose':  # our detector's person boxes, on val2017
        options.update({'val_dataloader.dataset.bbox_file': '{out:' + BOXES + '}',
                        'test_dataloader.dataset.bbox_file': '{out:' + BOXES + '}'})
    cell = dict(name=name, stage='boxes' if task == 'person_detection' else 'downstream', config=config,
                options=options, needs=list(DATA[task]), record=record)
    if task == 'person_detection':  # tools/test.py --out-prefix <work_dir>/val2017 -> val2017.bbox.json
        cell['test'] = dict(out_prefix='val2017')
    return cell


R101 = 'faster-rcnn_r101-c4_'
downstream_cells = [
    # COCO minival*, fine-tuned: data size (Fig. 4 left), inits (Table 9 / Table 2), classes (Table 6)
    downstream('detection', DET + R101 + 'jft300m-10m-subset-pre_8xb2_coco-minival.py', 'r101_jft300m-10m',
               paper='Fig. 4'),
    downstream('detection', DET + R101 + 'jft300m-30m-subset-pre_8xb2_coco-minival.py', 'r101_jft300m-30m',
               paper='Fig. 4, Table 6'),
    downstream('detection', DET + R101 + 'jft300m-100m-subset-pre_8xb2_coco-minival.py', 'r101_jft300m-100m',
               paper='Fig. 4'),
    downstream('detection', DET + R101 + 'jft300m-pre_8xb2_coco-minival.py', 'r101_jft300m',
               paper='Fig. 4, 5, Tables 2/9, 4'),
    downstream('detection', DET + R101 + 'jft300m-30m-subset-in1k-classes-pre_8xb2_coco-minival.py',
               'r101_jft300m-30m-in1k-classes', paper='Table 6'),
    downstream('detection', DET + R101 + 'in1k-pre_8xb2_coco-minival.py', 'r101_in1k',
               paper='Fig. 5, Tables 2/9, 5'),
    downstream('detection', DET + R101 + 'in1k-jft300m-pre_8xb2_coco-minival.py', 'r101_in1k-jft300m',
               paper='Tables 2/9'),
    # COCO minival*, conv1-4 frozen (Fig. 4 left)
    downstream('detection', DET + R101 + 'jft300m-10m-subset-pre-frozen_8xb2_coco-minival.py', 'r101_jft300m-10m',
               frozen=True, paper='Fig. 4'),
    downstream('detection', DET + R101 + 'jft300m-30m-subset-pre-frozen_8xb2_coco-minival.py', 'r101_jft300m-30m',
               frozen=True, paper='Fig. 4'),
    downstream('detection', DET + R101 + 'jft300m-100m-subset-pre-frozen_8xb2_coco-minival.py', 'r101_jft300m-100m',
               frozen=True, paper='Fig. 4'),
    downstream('detection', DET + R101 + 'jft300m-pre-frozen_8xb2_coco-minival.py', 'r101_jft300m', frozen=True,
               paper='Fig. 4'),
    # epochs of JFT (Table 4) and of ImageNet (Table 5)
    downstream('detection', DET + R101 + 'jft300m-1.3ep-pre_8xb2_coco-minival.py', 'r101_jft300m-1.3ep',
               paper='Table 4'),
    downstream('detection', DET + R101 + 'jft300m-2.6ep-pre_8xb2_coco-minival.py', 'r101_jft300m-2.6ep',
               paper='Table 4'),
    downstream('detection', DET + R101 + 'in1k-scratch-3ep-pre_8xb2_coco-minival.py', 'r101_in1k-3ep',
               paper='Table 5'),
    downstream('detection', DET + R101 + 'in1k-scratch-6ep-pre_8xb2_coco-minival.py', 'r101_in1k-6ep',
               paper='Table 5'),
    downstream('detection', DET + R101 + 'in1k-scratch-12ep-pre_8xb2_coco-minival.py', 'r101_in1k-12ep',
               paper='Table 5'),
    # capacity (Fig. 5)
    downstream('detection', DET + 'faster-rcnn_r50-c4_in1k-pre_8xb2_coco-minival.py', 'r50_in1k', paper='Fig. 5'),
    downstream('detection', DET + 'faster-rcnn_r50-c4_jft300m-pre_8xb2_coco-minival.py', 'r50_jft300m',
               paper='Fig. 5'),
    downstream('detection', DET + 'faster-rcnn_r152-c4_in1k-pre_8xb2_coco-minival.py', 'r152_in1k', paper='Fig. 5'),
    downstream('detection', DET + 'faster-rcnn_r152-c4_jft300m-pre_8xb2_coco-minival.py', 'r152_jft300m',
               paper='Fig. 5'),
    # VOC07 test: inits (Table 3), data size fine-tuned and frozen (Fig. 4 right)
    downstream('detection_voc07', DET + R101 + 'in1k-pre_8xb2_voc0712.py', 'r101_in1k', paper='Table 3'),
    downstream('detection_voc07', DET + R101 + 'jft300m-pre_8xb2_voc0712.py', 'r101_jft300m',
               paper='Table 3, Fig. 4'),
    downstream('detection_voc07', DET + R101 + 'in1k-jft300m-pre_8xb2_voc0712.py', 'r101_in1k-jft300m',
               paper='Table 3'),
    downstream('detection_voc07', DET + R101 + 'jft300m-10m-subset-pre_8xb2_voc0712.py', 'r101_jft300m-10m',
               paper='Fig. 4'),
    downstream('detection_voc07', DET + R101 + 'jft300m-30m-subset-pre_8xb2_voc0712.py', 'r101_jft300m-30m',
               paper='Fig. 4'),
    downstream('detection_voc07', DET + R101 + 'jft300m-100m-subset-pre_8xb2_voc0712.py', 'r101_jft300m-100m',
               paper='Fig. 4'),
    downstream('detection_voc07', DET + R101 + 'jft300m-10m-subset-pre-frozen_8xb2_voc0712.py', 'r101_jft300m-10m',
               frozen=True, paper='Fig. 4'),
    downstream('detection_voc07', DET + R101 + 'jft300m-30m-subset-pre-frozen_8xb2_voc0712.py', 'r101_jft300m-30m',
               frozen=True, paper='Fig. 4'),
    downstream('detection_voc07', DET + R101 + 'jft300m-100m-subset-pre-frozen_8xb2_voc0712.py', 'r101_jft300m-100m',
               frozen=True, paper='Fig. 4'),
    downstream('detection_voc07', DET + R101 + 'jft300m-pre-frozen_8xb2_voc0712.py', 'r101_jft300m', frozen=True,
               paper='Fig. 4'),
    # VOC12 segmentation: inits (Fig. 6 left), data size (Fig. 6 right); depth and frozen: our extension
    downstream('segmentation', SEG + 'deeplab-aspp-l-r101-d8_in1k-pre_2xb3_voc12aug-513px.py', 'r101_in1k',
               paper='Fig. 6'),
    downstream('segmentation', SEG + 'deeplab-aspp-l-r101-d8_jft300m-pre_2xb3_voc12aug-513px.py', 'r101_jft300m',
               paper='Fig. 6'),
    downstream('segmentation', SEG + 'deeplab-aspp-l-r101-d8_in1k-jft300m-pre_2xb3_voc12aug-513px.py',
               'r101_in1k-jft300m', paper='Fig. 6'),
    downstream('segmentation', SEG + 'deeplab-aspp-l-r101-d8_jft300m-10m-subset-pre_2xb3_voc12aug-513px.py',
               'r101_jft300m-10m', paper='Fig. 6'),
    downstream('segmentation', SEG + 'deeplab-aspp-l-r101-d8_jft300m-30m-subset-pre_2xb3_voc12aug-513px.py',
               'r101_jft300m-30m', paper='Fig. 6'),
    downstream('segmentation', SEG + 'deeplab-aspp-l-r101-d8_jft300m-100m-subset-pre_2xb3_voc12aug-513px.py',
               'r101_jft300m-100m', paper='Fig. 6'),
    downstream('segmentation', SEG + 'deeplab-aspp-l-r101-d8_jft300m-pre-frozen_2xb3_voc12aug-513px.py',
               'r101_jft300m', frozen=True, paper='extension (frozen)'),
    downstream('segmentation', SEG + 'deeplab-aspp-l-r50-d8_in1k-pre_2xb3_voc12aug-513px.py', 'r50_in1k',
               paper='extension (depth)'),
    downstream('segmentation', SEG + 'deeplab-aspp-l-r50-d8_jft300m-pre_2xb3_voc12aug-513px.py', 'r50_jft300m',
               paper='extension (depth)'),
    downstream('segmentation', SEG + 'deeplab-aspp-l-r152-d8_in1k-pre_2xb3_voc12aug-513px.py', 'r152_in1k',
               paper='extension (depth)'),
    downstream('segmentation', SEG + 'deeplab-aspp-l-r152-d8_jft300m-pre_2xb3_voc12aug-513px.py', 'r152_jft300m',
               paper='extension (depth)'),
    # person boxes for pose (our detector; the paper used G-RMI's), then G-RMI pose (Table 7, on val2017 here)
    downstream('person_detection', DET + R101 + 'jft300m-pre_8xb2_coco-person.py', 'r101_jft300m',
               paper='Table 7 (person boxes)'),
    downstream('pose', POSE + 'grmi-r101-d8_in1k-pre_8xb4_coco-353x257.py', 'r101_in1k', paper='Table 7'),
    downstream('pose', POSE + 'grmi-r101-d8_jft300m-pre_8xb4_coco-353x257.py', 'r101_jft300m', paper='Table 7'),
    downstream('pose', POSE + 'grmi-r101-d8_in1k-jft300m-pre_8xb4_coco-353x257.py', 'r101_in1k-jft300m',
               paper='Table 7'),
    downstream('pose', POSE + 'grmi-r101-d8_jft300m-pre-frozen_8xb4_coco-353x257.py', 'r101_jft300m', frozen=True,
               paper='extension (frozen)'),
    # ImageNet fine-tuning from the 300M checkpoint (Table 1; the random-init row is pre_r101_in1k itself)
    downstream('classification', IMAGENET + 'resnet101_jft300m-pre_8xb32_in1k.py', 'r101_jft300m', paper='Table 1'),
]


def conversion_cells():
    """Every conversion the downstream cells name, once, in the order they are first named."""
    out, seen = [], set()
    for cell in downstream_cells:
        checkpoint = cell['options'].get('model.init_cfg.checkpoint')
        if checkpoint:
            name = checkpoint[len('{out:'):-1]
            target, suffix = name[len('cnv_'):].split('_', 1)
            if name not in seen:
                seen.add(name)
                out.append(conversion(target, suffix))
    return out


cells = data_cells + pretrain_cells + conversion_cells() + downstream_cells + [dict(name='summary', stage='summary')]
