"""What a user reads holds together: nothing points outside the repository, the READMEs' work_dirs paths are the ones
the commands write, and the ImageNet init named is torchvision's V1 (close to the paper's model), never V2."""
import glob
import os.path as osp
import re
import subprocess

import pytest

from conftest import ROOT

THIS = 'tests/test_docs.py'  # holds the patterns it looks for
OUTSIDE = re.compile(r'(?:^|[\s\'"`(=:,])(?:\.\./)*shared/|/work/')
CONFIG_STEMS = {osp.splitext(osp.basename(p))[0] for p in glob.glob(osp.join(ROOT, 'configs/**/*.py'), recursive=True)
                if '/_base_/' not in p}
# torchvision's IMAGENET1K_V2 ResNet files (81-82% top-1, a newer recipe than the paper's ~77.5% baseline)
V2_FILES = ('resnet50-11ad3fa6', 'resnet101-cd907fc2', 'resnet152-f82ba261')
V1_FILES = ('resnet50-0676ba61.pth', 'resnet101-63fe2227.pth', 'resnet152-394f9c45.pth')


def tracked_text_files():
    try:
        out = subprocess.run(['git', 'ls-files'], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip('not a git checkout')
    for rel in out.splitlines():
        path = osp.join(ROOT, rel)
        if not osp.isfile(path):
            continue  # deleted in the working tree
        try:
            with open(path, encoding='utf-8') as f:
                yield rel, f.read().splitlines()
        except UnicodeDecodeError:
            continue


def test_nothing_points_outside_the_repository():
    hits = [f'{rel}:{i}: {line.strip()}' for rel, lines in tracked_text_files() if rel != THIS
            for i, line in enumerate(lines, 1) if OUTSIDE.search(line)]
    assert not hits, 'paths outside the repository (users do not have them; copy what they need into docs/):\n' + \
        '\n'.join(hits)


def work_dir_problems(doc, text):
    """``work_dirs/<name>`` paths of ``doc`` (its ``text``) that are neither a named config's default work dir nor a
    --work-dir given in the same doc."""
    outside_paths = re.sub(r'work_dirs/\S*', ' ', text)  # a config is named by the doc, not by the path itself
    named = {stem for stem in CONFIG_STEMS if stem in outside_paths}
    given = {osp.normpath(p).split('/')[1] for p in re.findall(r'--work-dir[= ]+\S*?(work_dirs/[\w.+-]+)', text)}
    problems = []
    for i, line in enumerate(text.splitlines(), 1):
        for name in re.findall(r'work_dirs/([\w.+-]+)', line):
            if name not in named and name not in given:
                problems.append(f'{doc}:{i}: work_dirs/{name}')
    return problems


def test_readme_work_dirs_are_the_ones_written():
    docs = ['README.md'] + sorted(osp.relpath(p, ROOT) for p in glob.glob(osp.join(ROOT, 'configs/*/README.md')))
    assert len(docs) >= 3
    problems = []
    for doc in docs:
        with open(osp.join(ROOT, doc), encoding='utf-8') as f:
            problems += work_dir_problems(doc, f.read())
    assert not problems, ('work_dirs paths that no command of the doc writes (tools/train.py and dist_train.sh write '
                          'work_dirs/<config name>/ unless --work-dir says otherwise):\n' + '\n'.join(problems))


def test_work_dir_check_catches_a_stray_path():
    text = ('bash tools/dist_train.sh configs/jft/resnet101_8xb32_jft300m-299px.py 8\n'
            'python tools/test.py CFG work_dirs/resnet101_8xb32_jft300m-299px/iter_4500000.pth\n'
            'python tools/train.py CFG --work-dir work_dirs/mine\npython tools/test.py CFG work_dirs/mine/x.pth\n'
            'python tools/test.py CFG work_dirs/r101/iter_4500000.pth\n'
            'python tools/test.py CFG work_dirs/resnet50_8xb32_jft300m-299px/iter_4500000.pth\n')
    # r101: no command writes it; resnet50_...: a real config's work dir, but that config is not the doc's
    assert work_dir_problems('doc.md', text) == ['doc.md:5: work_dirs/r101',
                                                 'doc.md:6: work_dirs/resnet50_8xb32_jft300m-299px']


def test_imagenet_init_is_torchvision_v1_never_v2():
    allowed = ('tools/model_converters/torchvision_to_mmpretrain.py', THIS)  # the converter's table, this test
    hits = [f'{rel}:{i}' for rel, lines in tracked_text_files() if rel not in allowed and not rel.startswith('tests/')
            for i, line in enumerate(lines, 1) if any(v2 in line for v2 in V2_FILES)]
    assert not hits, 'IMAGENET1K_V2 weights named as an ImageNet init (not the paper\'s baseline):\n' + '\n'.join(hits)
    # where the user is told which torchvision file to convert, it is the V1 file
    docs = ['README.md', 'configs/faster_rcnn/README.md'] + sorted(
        osp.relpath(p, ROOT) for p in glob.glob(osp.join(ROOT, 'configs/faster_rcnn/*_in1k-pre_*.py')))
    sources = []
    for doc in docs:
        with open(osp.join(ROOT, doc), encoding='utf-8') as f:
            sources += [(doc, src) for src in re.findall(r'torchvision_to_mmpretrain\.py\s+(\S+)', f.read())]
    assert len(sources) >= 4
    assert all(src in V1_FILES for _, src in sources), sources
