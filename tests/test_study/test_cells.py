"""A study file -> checked cells in dependency order, and each cell's commands under every launcher (no run)."""
import pytest

from conftest import MINI_CONFIG
from mmjft.study.cells import StudyError, load_study
from mmjft.study.commands import commands, gpus_of, option_text


def write_study(tmp_path, cells, name='s'):
    path = tmp_path / f'{name}.py'
    path.write_text(f'study_name = {name!r}\nwork_root = {str(tmp_path / "work")!r}\ncells = {cells!r}\n')
    return str(path)


PRE = dict(name='pre', stage='pretrain', config=MINI_CONFIG, options={'randomness.seed': 1},
           record=dict(task='pretrain', seed=1))
CNV = dict(name='cnv', stage='convert', source='pre', target='mmseg')
SEG = dict(name='seg', stage='downstream', config='configs/deeplab/x_2xb3_y.py',
           options={'model.init_cfg.checkpoint': '{out:cnv}', 'train_dataloader.num_workers': 0})


def test_cells_come_in_dependency_order_with_their_implied_needs(tmp_path):
    summary = dict(name='summary', stage='summary')
    study = load_study(write_study(tmp_path, [summary, SEG, CNV, PRE]))
    assert [c.name for c in study.cells] == ['pre', 'cnv', 'seg', 'summary']
    assert study.cell('seg').needs == ['cnv'] and study.cell('cnv').needs == ['pre']
    assert study.cell('summary').needs == ['seg', 'cnv', 'pre']
    assert sorted(study.dependents('pre')) == ['cnv', 'seg', 'summary'] and study.dependents('seg') == ['summary']
    assert study.work_dir(study.cell('pre')) == str(tmp_path / 'work' / 'pre')


@pytest.mark.parametrize('cells, message', [
    ([PRE, dict(PRE)], 'two cells are named pre'),
    ([dict(SEG)], "cell seg needs 'cnv', which no cell of the study is"),
    ([dict(PRE, stage='train')], "stage 'train' is not one of data, pretrain"),
    ([dict(PRE, epochs=3)], r"cell pre: unknown keys \['epochs'\] for a pretrain cell"),
    ([dict(CNV, source='d'), dict(name='d', stage='data', command=['x.py'], produces=['data/x'])],
     'converts d, a data cell: the source must be a training cell'),
    ([dict(PRE, needs=['pre2']), dict(PRE, name='pre2', needs=['pre'])], 'in a cycle: pre -> pre2 -> pre'),
    ([dict(PRE, config=None)], 'a pretrain cell needs a config'),
])
def test_a_study_that_cannot_run_is_an_error_naming_the_cell(tmp_path, cells, message):
    with pytest.raises(StudyError, match=message):
        load_study(write_study(tmp_path, cells))


def test_commands_under_each_launcher(tmp_path):
    study = load_study(write_study(tmp_path, [PRE, CNV, dict(SEG, test=dict(out_prefix='val'))]))
    work = str(tmp_path / 'work')
    pre, cnv, seg = study.cells
    assert commands(study, pre) == [f'python tools/train.py {MINI_CONFIG} --work-dir {work}/pre --cfg-options '
                                    'randomness.seed=1']
    assert commands(study, cnv) == [f'python tools/model_converters/mmjft_to_downstream.py "$(cat {work}/pre/'
                                    f'last_checkpoint)" {work}/cnv/mmseg.pth --target mmseg']
    local = commands(study, seg)
    assert local[0].endswith(f'model.init_cfg.checkpoint={work}/cnv/mmseg.pth train_dataloader.num_workers=0')
    assert local[1].startswith(f'python tools/test.py configs/deeplab/x_2xb3_y.py "$(cat {work}/seg/last_checkpoint)" '
                               f'--work-dir {work}/seg --out-prefix {work}/seg/val')
    slurm = commands(study, pre, 'slurm', partition='P', gpus=64)
    assert slurm == [f'GPUS=64 bash tools/slurm_train.sh P pre {MINI_CONFIG} {work}/pre --cfg-options '
                     'randomness.seed=1']
    # a downstream cell keeps its config's GPU count (2xb3), whatever --gpus says
    assert commands(study, seg, 'slurm', partition='P', gpus=64)[0].startswith(
        'GPUS=2 bash tools/slurm_train.sh P seg configs/deeplab/x_2xb3_y.py')
    assert commands(study, seg, 'pytorch', gpus=64)[1].startswith(
        f'bash tools/dist_test.sh configs/deeplab/x_2xb3_y.py "$(cat {work}/seg/last_checkpoint)" 2 ')
    assert (gpus_of(pre), gpus_of(pre, 64), gpus_of(seg, 64)) == (1, 64, 2)
    with pytest.raises(StudyError, match='--launcher slurm needs --partition'):
        commands(study, pre, 'slurm')


def test_option_text_reads_back_as_written():
    from mmengine.config import DictAction
    import argparse
    parser = argparse.ArgumentParser()
    parser.add_argument('--o', nargs='+', action=DictAction)
    values = {'a': None, 'b': True, 'c': 0.5, 'd': 'x/y.pth', 'e': [1, 2], 'f': (3, ), 'g': 125}
    parsed = parser.parse_args(['--o', *(option_text(k, v) for k, v in values.items())]).o
    assert parsed == dict(values, e=[1, 2], f=(3, ))
    with pytest.raises(StudyError, match='option h: a dict cannot be passed'):
        option_text('h', dict(x=1))
