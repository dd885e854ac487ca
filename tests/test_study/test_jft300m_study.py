"""configs/studies/jft300m_paper.py, the paper's grid at full scale: its dry run (every config loads, every input is
there or made upstream) lists exactly the experiments of the paper's tables and figures, each on the leaf config
written for it, from the right pretraining, with Slurm lines for 64-GPU pretraining; and tools/slurm_test.sh.

EXPECTED is written by hand from the paper (Sun et al. 2017; its table / figure in each row), not from the study.
"""
import functools
import os
import os.path as osp
import re
import shlex
import subprocess

import pytest

import mmjft.study.state  # noqa: F401  (the stack's imports at collection, not in the timed test)
from conftest import ROOT
from mmjft.study.cells import load_study
from mmjft.utils.in_process import load_script

STUDY = 'configs/studies/jft300m_paper.py'
WORK = 'work_dirs/jft300m_paper'

JFT = 'configs/jft/'
IN1K = 'configs/imagenet/'
DET = 'configs/faster_rcnn/faster-rcnn_r101-c4_'
DET_R50, DET_R152 = 'configs/faster_rcnn/faster-rcnn_r50-c4_', 'configs/faster_rcnn/faster-rcnn_r152-c4_'
SEG = 'configs/deeplab/deeplab-aspp-l-'
POSE = 'configs/pose/grmi-r101-d8_'

R101_300M = JFT + 'resnet101_8xb32_jft300m-299px.py'
R101_10M = JFT + 'resnet101_8xb32_jft300m-10m-subset-299px.py'
R101_30M = JFT + 'resnet101_8xb32_jft300m-30m-subset-299px.py'
R101_100M = JFT + 'resnet101_8xb32_jft300m-100m-subset-299px.py'
R101_30M_941 = JFT + 'resnet101_8xb32_jft300m-30m-subset-in1k-classes-299px.py'
R101_IN1K_300M = JFT + 'resnet101_8xb32_in1k-init_jft300m-299px.py'
R50_300M = JFT + 'resnet50_8xb32_jft300m-299px.py'
R152_300M = JFT + 'resnet152_8xb32_jft300m-299px.py'
R50_IN1K = IN1K + 'resnet50_8xb32_in1k-scratch.py'
R101_IN1K = IN1K + 'resnet101_8xb32_in1k-scratch.py'
R152_IN1K = IN1K + 'resnet152_8xb32_in1k-scratch.py'

# (the paper's experiment, stage, leaf config, GPUs in the Slurm line, what it starts from: the pretraining config
# whose final checkpoint it reads, '<config>@<file>' for another checkpoint of that run, None for random init)
EXPECTED = [
    # pretraining (§4.1): 64 GPUs each under --gpus 64
    ('§4.1, Fig. 4-6, Tables 1-4, 7: ResNet-101 on JFT-300M, 4 epochs', 'pretrain', R101_300M, 64, None),
    ('Fig. 4, 6: ResNet-101 on a random 10M subset', 'pretrain', R101_10M, 64, None),
    ('Fig. 4, 6, Table 6: ResNet-101 on a random 30M subset', 'pretrain', R101_30M, 64, None),
    ('Fig. 4, 6: ResNet-101 on a random 100M subset', 'pretrain', R101_100M, 64, None),
    ('Table 6: 30M images of the 941 ImageNet-matching classes', 'pretrain', R101_30M_941, 64, None),
    ('Tables 2, 3, 7, Fig. 6: ImageNet+300M, JFT from the ImageNet checkpoint', 'pretrain', R101_IN1K_300M, 64,
     R101_IN1K),
    ('Fig. 5: ResNet-50 on JFT-300M', 'pretrain', R50_300M, 64, None),
    ('Fig. 5: ResNet-152 on JFT-300M', 'pretrain', R152_300M, 64, None),
    ('§4.1, Tables 1-3, 5, 7, Fig. 6: the ImageNet ResNet-101 baseline from scratch', 'pretrain', R101_IN1K, 64, None),
    ('Fig. 5: the ImageNet ResNet-50 baseline from scratch', 'pretrain', R50_IN1K, 64, None),
    ('Fig. 5: the ImageNet ResNet-152 baseline from scratch', 'pretrain', R152_IN1K, 64, None),
    # Table 1: ImageNet fine-tuning from the 300M checkpoint (the random-init row is the ImageNet baseline itself)
    ('Table 1: ImageNet fine-tuned from JFT-300M', 'downstream', IN1K + 'resnet101_jft300m-pre_8xb32_in1k.py', 8,
     R101_300M),
    # COCO minival* detection, Faster R-CNN C4 (§5.2): 8 x 2 images
    ('Fig. 4 COCO minival fine-tuned, 10M', 'downstream', DET + 'jft300m-10m-subset-pre_8xb2_coco-minival.py', 8,
     R101_10M),
    ('Fig. 4 COCO minival fine-tuned, 30M; Table 6 all classes', 'downstream',
     DET + 'jft300m-30m-subset-pre_8xb2_coco-minival.py', 8, R101_30M),
    ('Fig. 4 COCO minival fine-tuned, 100M', 'downstream', DET + 'jft300m-100m-subset-pre_8xb2_coco-minival.py', 8,
     R101_100M),
    ('Fig. 4 COCO minival fine-tuned, 300M; Table 9/2 300M; Table 4 4 epochs', 'downstream',
     DET + 'jft300m-pre_8xb2_coco-minival.py', 8, R101_300M),
    ('Fig. 4 COCO minival frozen, 10M', 'downstream', DET + 'jft300m-10m-subset-pre-frozen_8xb2_coco-minival.py', 8,
     R101_10M),
    ('Fig. 4 COCO minival frozen, 30M', 'downstream', DET + 'jft300m-30m-subset-pre-frozen_8xb2_coco-minival.py', 8,
     R101_30M),
    ('Fig. 4 COCO minival frozen, 100M', 'downstream', DET + 'jft300m-100m-subset-pre-frozen_8xb2_coco-minival.py',
     8, R101_100M),
    ('Fig. 4 COCO minival frozen, 300M', 'downstream', DET + 'jft300m-pre-frozen_8xb2_coco-minival.py', 8, R101_300M),
    ('Table 6: 30M images, 941 classes', 'downstream', DET + 'jft300m-30m-subset-in1k-classes-pre_8xb2_coco-minival.py',
     8, R101_30M_941),
    ('Table 9/2 ImageNet; Table 5 150 epochs (125 here); Fig. 5 R101', 'downstream',
     DET + 'in1k-pre_8xb2_coco-minival.py', 8, R101_IN1K),
    ('Table 9/2 ImageNet+300M', 'downstream', DET + 'in1k-jft300m-pre_8xb2_coco-minival.py', 8, R101_IN1K_300M),
    ('Table 4: 1.3 epochs of JFT-300M', 'downstream', DET + 'jft300m-1.3ep-pre_8xb2_coco-minival.py', 8,
     R101_300M + '@images_384M.pth'),
    ('Table 4: 2.6 epochs of JFT-300M', 'downstream', DET + 'jft300m-2.6ep-pre_8xb2_coco-minival.py', 8,
     R101_300M + '@images_768M.pth'),
    ('Table 5: 3 epochs of ImageNet', 'downstream', DET + 'in1k-scratch-3ep-pre_8xb2_coco-minival.py', 8,
     R101_IN1K + '@milestone_epoch_3.pth'),
    ('Table 5: 6 epochs of ImageNet', 'downstream', DET + 'in1k-scratch-6ep-pre_8xb2_coco-minival.py', 8,
     R101_IN1K + '@milestone_epoch_6.pth'),
    ('Table 5: 12 epochs of ImageNet', 'downstream', DET + 'in1k-scratch-12ep-pre_8xb2_coco-minival.py', 8,
     R101_IN1K + '@milestone_epoch_12.pth'),
    ('Fig. 5 R50 ImageNet', 'downstream', DET_R50 + 'in1k-pre_8xb2_coco-minival.py', 8, R50_IN1K),
    ('Fig. 5 R50 300M', 'downstream', DET_R50 + 'jft300m-pre_8xb2_coco-minival.py', 8, R50_300M),
    ('Fig. 5 R152 ImageNet', 'downstream', DET_R152 + 'in1k-pre_8xb2_coco-minival.py', 8, R152_IN1K),
    ('Fig. 5 R152 300M', 'downstream', DET_R152 + 'jft300m-pre_8xb2_coco-minival.py', 8, R152_300M),
    # VOC07 test detection (Table 3; data size fine-tuned and frozen)
    ('Table 3 VOC07 ImageNet', 'downstream', DET + 'in1k-pre_8xb2_voc0712.py', 8, R101_IN1K),
    ('Table 3 VOC07 300M; Fig. 4 VOC07 fine-tuned, 300M', 'downstream', DET + 'jft300m-pre_8xb2_voc0712.py', 8,
     R101_300M),
    ('Table 3 VOC07 ImageNet+300M', 'downstream', DET + 'in1k-jft300m-pre_8xb2_voc0712.py', 8, R101_IN1K_300M),
    ('Fig. 4 VOC07 fine-tuned, 10M', 'downstream', DET + 'jft300m-10m-subset-pre_8xb2_voc0712.py', 8, R101_10M),
    ('Fig. 4 VOC07 fine-tuned, 30M', 'downstream', DET + 'jft300m-30m-subset-pre_8xb2_voc0712.py', 8, R101_30M),
    ('Fig. 4 VOC07 fine-tuned, 100M', 'downstream', DET + 'jft300m-100m-subset-pre_8xb2_voc0712.py', 8, R101_100M),
    ('Fig. 4 VOC07 frozen, 10M', 'downstream', DET + 'jft300m-10m-subset-pre-frozen_8xb2_voc0712.py', 8, R101_10M),
    ('Fig. 4 VOC07 frozen, 30M', 'downstream', DET + 'jft300m-30m-subset-pre-frozen_8xb2_voc0712.py', 8, R101_30M),
    ('Fig. 4 VOC07 frozen, 100M', 'downstream', DET + 'jft300m-100m-subset-pre-frozen_8xb2_voc0712.py', 8,
     R101_100M),
    ('Fig. 4 VOC07 frozen, 300M', 'downstream', DET + 'jft300m-pre-frozen_8xb2_voc0712.py', 8, R101_300M),
    # VOC12 segmentation, DeepLab-ASPP-L (§5.3, Fig. 6): 2 x 3 images
    ('Fig. 6 left: ImageNet', 'downstream', SEG + 'r101-d8_in1k-pre_2xb3_voc12aug-513px.py', 2, R101_IN1K),
    ('Fig. 6 left: 300M; Fig. 6 right 300M', 'downstream', SEG + 'r101-d8_jft300m-pre_2xb3_voc12aug-513px.py', 2,
     R101_300M),
    ('Fig. 6 left: ImageNet+300M', 'downstream', SEG + 'r101-d8_in1k-jft300m-pre_2xb3_voc12aug-513px.py', 2,
     R101_IN1K_300M),
    ('Fig. 6 right: 10M', 'downstream', SEG + 'r101-d8_jft300m-10m-subset-pre_2xb3_voc12aug-513px.py', 2, R101_10M),
    ('Fig. 6 right: 30M', 'downstream', SEG + 'r101-d8_jft300m-30m-subset-pre_2xb3_voc12aug-513px.py', 2, R101_30M),
    ('Fig. 6 right: 100M', 'downstream', SEG + 'r101-d8_jft300m-100m-subset-pre_2xb3_voc12aug-513px.py', 2,
     R101_100M),
    ('extension of Fig. 4 to segmentation: 300M, conv1-4 frozen', 'downstream',
     SEG + 'r101-d8_jft300m-pre-frozen_2xb3_voc12aug-513px.py', 2, R101_300M),
    ('extension of Fig. 5 to segmentation: R50 ImageNet', 'downstream', SEG + 'r50-d8_in1k-pre_2xb3_voc12aug-513px.py',
     2, R50_IN1K),
    ('extension of Fig. 5 to segmentation: R50 300M', 'downstream', SEG + 'r50-d8_jft300m-pre_2xb3_voc12aug-513px.py',
     2, R50_300M),
    ('extension of Fig. 5 to segmentation: R152 ImageNet', 'downstream',
     SEG + 'r152-d8_in1k-pre_2xb3_voc12aug-513px.py', 2, R152_IN1K),
    ('extension of Fig. 5 to segmentation: R152 300M', 'downstream', SEG + 'r152-d8_jft300m-pre_2xb3_voc12aug-513px.py',
     2, R152_300M),
    # pose (§5.4, Table 7): our person detector's boxes, then G-RMI, 8 x 4 crops
    ('§5.4: person boxes (G-RMI first stage), our own detector', 'boxes',
     DET + 'jft300m-pre_8xb2_coco-person.py', 8, R101_300M),
    ('Table 7 ImageNet', 'downstream', POSE + 'in1k-pre_8xb4_coco-353x257.py', 8, R101_IN1K),
    ('Table 7 300M', 'downstream', POSE + 'jft300m-pre_8xb4_coco-353x257.py', 8, R101_300M),
    ('Table 7 ImageNet+300M', 'downstream', POSE + 'in1k-jft300m-pre_8xb4_coco-353x257.py', 8, R101_IN1K_300M),
    ('extension of Fig. 4 to pose: 300M, conv1-4 frozen', 'downstream',
     POSE + 'jft300m-pre-frozen_8xb4_coco-353x257.py', 8, R101_300M),
]
TARGET = {'configs/faster_rcnn/': 'mmdet-c4', 'configs/deeplab/': 'mmseg', 'configs/pose/': 'mmpose'}


@pytest.fixture
def cached_package_metafiles(monkeypatch):
    """mmengine re-reads every metafile of mmdet / mmseg / mmpose (hundreds of YAML files) each time a config names a
    ``mmdet::`` base, and reloads pkg_resources to ask whether the package is installed: ~140 times in this study.
    The same files give the same answers: read them once (what a config loads is unchanged)."""
    import mmengine.config.config as config_module
    import mmengine.config.utils as config_utils
    load, cache = config_utils.load, {}

    def cached_load(file, *args, **kwargs):
        if args or kwargs or not isinstance(file, str):
            return load(file, *args, **kwargs)
        if file not in cache:
            cache[file] = load(file)
        return cache[file]

    monkeypatch.setattr(config_utils, 'load', cached_load)
    monkeypatch.setattr(config_module, 'is_installed', functools.lru_cache()(config_module.is_installed))


def parse_listing(out):
    """The dry run's stdout -> {cell: (stage, [command lines])}."""
    cells, current = {}, None
    for line in out.splitlines():
        header = re.fullmatch(r'# (\S+) \((\w+)\)', line)
        if header:
            current = header.group(1)
            cells[current] = (header.group(2), [])
        elif current and line.strip():
            cells[current][1].append(line)
    return cells


def slurm_train(name, lines):
    """(GPUs, config, work_dir, options text) of a cell's tools/slurm_train.sh line."""
    match = re.fullmatch(r'GPUS=(\d+) bash tools/slurm_train\.sh P (\S+) (\S+) (\S+)(.*)', lines[0])
    assert match and match.group(2) == name, f'{name}: not a slurm_train.sh line: {lines[0]}'
    return int(match.group(1)), match.group(3), match.group(4), match.group(5)


def test_dry_run_lists_the_papers_grid(cached_package_metafiles, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)  # run_study.main changes into the repository; this undoes it afterwards
    run_study = load_script(osp.join(ROOT, 'tools/run_study.py'))
    code = run_study.main([STUDY, '--dry-run', '--launcher', 'slurm', '--partition', 'P', '--gpus', '64'])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert 'all configs and inputs found' in err
    listed = parse_listing(out)
    trains = {n: v for n, v in listed.items() if v[0] in ('pretrain', 'downstream', 'boxes')}

    def pretraining_of(name):
        """What the train cell ``name`` starts from, read off the printed commands (as EXPECTED's last column)."""
        stage, lines = trains[name]
        options = shlex.split(slurm_train(name, lines)[3])  # the words as the shell passes them
        paths = [w.split('=', 1)[1] for w in options if re.match(r'model\.(backbone\.)?init_cfg\.checkpoint=', w)]
        if not paths:
            return None
        (path, ) = paths
        direct = re.fullmatch(r'\$\(cat ' + WORK + r'/(\S+)/last_checkpoint\)', path)
        if direct:  # a pretraining checkpoint read as it is (ImageNet fine-tuning, the ImageNet+300M init)
            return slurm_train(direct.group(1), trains[direct.group(1)][1])[1]
        converter = re.fullmatch(WORK + r'/(\S+)/([\w-]+)\.pth', path)
        assert converter, f'{name}: init {path} is not a conversion cell\'s output'
        cnv_stage, cnv_lines = listed[converter.group(1)]
        words = shlex.split(cnv_lines[0])
        assert words[1] == 'tools/model_converters/mmjft_to_downstream.py' and words[-2:] == ['--target',
                                                                                          converter.group(2)]
        config = trains[name][1][0].split()[5]
        assert converter.group(2) == TARGET[osp.dirname(config) + '/'], f'{name}: {converter.group(2)} for {config}'
        source = ' '.join(words[2:-3])
        assert cnv_stage == 'convert', f'{name}: {converter.group(1)} is a {cnv_stage} cell'
        final = re.fullmatch(r'\$\(cat ' + WORK + r'/(\S+)/last_checkpoint\)', source)
        if final:
            return slurm_train(final.group(1), trains[final.group(1)][1])[1]
        milestone = re.fullmatch(WORK + r'/(\S+)/(\w+\.pth)', source)  # a convert cell's named checkpoint
        assert milestone, f'{name}: converts {source}'
        return slurm_train(milestone.group(1), trains[milestone.group(1)][1])[1] + '@' + milestone.group(2)

    got = {}
    for name, (stage, lines) in trains.items():
        gpus, config, work_dir, _ = slurm_train(name, lines)
        assert work_dir == f'{WORK}/{name}'
        got[stage, config] = (gpus, pretraining_of(name), name)
    for experiment, stage, config, gpus, source in EXPECTED:
        assert (stage, config) in got, f'{experiment}: no {stage} cell trains {config}'
        assert got[stage, config][:2] == (gpus, source), f'{experiment}: {got[stage, config]}'
    explained = {(stage, config) for _, stage, config, _, _ in EXPECTED}
    assert len(explained) == len(EXPECTED)
    unexplained = sorted(got[k][2] for k in set(got) - explained)
    assert not unexplained, f'cells that no experiment of the paper explains: {unexplained}'

    # Slurm: pretraining on 64 GPUs through tools/slurm_train.sh; the tests through tools/slurm_test.sh
    for name, (stage, lines) in trains.items():
        gpus = r'64' if stage == 'pretrain' else r'[28]'  # downstream: their configs' 8xb2 / 2xb3 / 8xb4 / 8xb32
        assert re.match(f'GPUS={gpus} bash tools/slurm_train.sh P {re.escape(name)} ', lines[0]), lines[0]
        assert not any('dist_train' in line or line.startswith('python tools/train.py') for line in lines)
    (boxes, ) = [n for n, (stage, _) in trains.items() if stage == 'boxes']
    box_test = trains[boxes][1][1]
    assert box_test.startswith(f'GPUS=8 bash tools/slurm_test.sh P {boxes}_test {DET}jft300m-pre_8xb2_coco-person.py '
                               f'"$(cat {WORK}/{boxes}/last_checkpoint)" ')
    assert f'--out-prefix {WORK}/{boxes}/val2017 ' in box_test

    # every pose cell evaluates on those boxes (val and test loaders)
    for name, (stage, lines) in trains.items():
        if 'configs/pose/' in lines[0]:
            for split in ('val', 'test'):
                assert f'{split}_dataloader.dataset.bbox_file={WORK}/{boxes}/val2017.bbox.json' in lines[0], name

    # records: what the summary groups by, consistent with the leaf config's name
    study = load_study(STUDY)
    for cell in study.cells:
        if cell.trains:
            r = cell.record
            assert {'task', 'depth', 'frozen', 'init', 'images', 'classes', 'seed', 'metric'} <= set(r), cell.name
            assert r['seed'] == 0 and r['images'] > 0
            assert r['depth'] == int(re.search(r'r(?:esnet)?(\d+)[-_]', osp.basename(cell.config)).group(1))
            assert r['frozen'] == ('frozen' in cell.config), cell.name
    assert [c.stage for c in study.cells].count('summary') == 1


def test_slurm_test_sh_runs_test_py_under_srun(tmp_path):
    """GPUS=2 bash tools/slurm_test.sh P JOB CONFIG CKPT args: srun with one task per GPU (2 GPUs on one node, not a
    whole node), then test.py with the config, the checkpoint, --launcher=slurm and the extra arguments."""
    fake = tmp_path / 'bin'
    fake.mkdir()
    (fake / 'srun').write_text('#!/usr/bin/env bash\n'  # one word per line, then the environment test.py gets
                               'for a in "$@"; do echo "$a"; done\necho "PYTHONPATH=$PYTHONPATH"\n')
    (fake / 'srun').chmod(0o755)
    env = dict(os.environ, PATH=f'{fake}:{os.environ["PATH"]}', GPUS='2', PYTHON='/opt/py/bin/python')
    for name in ('GPUS_PER_NODE', 'SRUN_ARGS', 'CPUS_PER_TASK'):
        env.pop(name, None)
    words = subprocess.run(['bash', 'tools/slurm_test.sh', 'P', 'job_test', 'configs/x_2xb3_y.py', 'w/ckpt.pth',
                            '--out-prefix', 'w/val'], cwd=ROOT, env=env, capture_output=True, text=True,
                           check=True).stdout.splitlines()
    assert words[:6] == ['-p', 'P', '--job-name=job_test', '--gres=gpu:2', '--ntasks=2', '--ntasks-per-node=2']
    assert words[-9:] == ['/opt/py/bin/python', '-u', f'{ROOT}/tools/test.py', 'configs/x_2xb3_y.py', 'w/ckpt.pth',
                          '--launcher=slurm', '--out-prefix', 'w/val', f'PYTHONPATH={ROOT}' + (
                              f':{os.environ["PYTHONPATH"]}' if os.environ.get('PYTHONPATH') else '')]
    env.update(GPUS='64')
    words = subprocess.run(['bash', 'tools/slurm_test.sh', 'P', 'j', 'c.py', 'k.pth'], cwd=ROOT, env=env,
                           capture_output=True, text=True, check=True).stdout.splitlines()
    assert words[3:6] == ['--gres=gpu:8', '--ntasks=64', '--ntasks-per-node=8']
