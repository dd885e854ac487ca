"""Which way imports flow in mmjft (docs/architecture.md), read from the source: each rule fails on the line that
breaks it. One subprocess checks what importing pretraining really loads."""
import ast
import os
import os.path as osp
import subprocess
import sys

import pytest

from conftest import ROOT

PACKAGE = osp.join(ROOT, 'mmjft')
PRETRAINING = ('mmjft.datasets', 'mmjft.models', 'mmjft.engine', 'mmjft.evaluation', 'mmjft.structures',
               'mmjft.analysis')
DOWNSTREAM_LIBRARIES = ('mmdet', 'mmseg', 'mmpose')


def module_name(path):
    rel = osp.splitext(osp.relpath(path, ROOT))[0].split(os.sep)
    return '.'.join(rel[:-1] if rel[-1] == '__init__' else rel)


def imports():
    """``(module, line, imported module, names)`` of every import in mmjft/, relative imports resolved."""
    found = []
    for folder, _, files in os.walk(PACKAGE):
        for name in sorted(files):
            if not name.endswith('.py'):
                continue
            path = osp.join(folder, name)
            module = module_name(path)
            package = module if name == '__init__.py' else module.rpartition('.')[0]
            for node in ast.walk(ast.parse(open(path).read(), path)):
                if isinstance(node, ast.Import):
                    found += [(module, node.lineno, alias.name, ()) for alias in node.names]
                elif isinstance(node, ast.ImportFrom):
                    base = node.module or ''
                    if node.level:
                        parts = package.split('.')
                        base = '.'.join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
                    found.append((module, node.lineno, base, tuple(alias.name for alias in node.names)))
    return found


IMPORTS = imports()


def within(module, packages):
    return any(module == p or module.startswith(p + '.') for p in packages)


def offenders(rule):
    return [f'{m}:{line} imports {target} {list(names) or ""}' for m, line, target, names in IMPORTS
            if rule(m, target, names)]


def test_the_scan_sees_the_package():
    assert len({m for m, *_ in IMPORTS}) > 60
    assert ('mmjft.datasets.jft_dataset', 'mmjft.datasets.jsonl_record') in {(m, t) for m, _, t, _ in IMPORTS}


def test_no_module_imports_another_modules_private_names():
    assert offenders(lambda m, t, names: t.startswith('mmjft') and t != m and
                     any(n.startswith('_') and not n.startswith('__') for n in names)) == []


def test_models_and_engine_take_sample_keys_from_structures_not_datasets():
    assert offenders(lambda m, t, names: within(m, ('mmjft.models', 'mmjft.engine')) and
                     within(t, ('mmjft.datasets', )) and any(n.endswith('_KEY') for n in names)) == []
    assert offenders(lambda m, t, names: within(m, ('mmjft.models', )) and within(t, ('mmjft.datasets', ))) == []


def test_pretraining_imports_no_downstream_task_no_mini_world_and_no_tools():
    assert offenders(lambda m, t, names: within(m, PRETRAINING) and
                     within(t, ('mmjft.downstream', 'mmjft.mini', 'tools') + DOWNSTREAM_LIBRARIES)) == []
    assert offenders(lambda m, t, names: not within(m, ('mmjft.mini', )) and within(t, ('mmjft.mini', ))) == []
    assert offenders(lambda m, t, names: within(t, ('tools', ))) == []


def test_plain_array_code_imports_no_registry_runner_or_config():
    plain = ('mmjft.structures', 'mmjft.evaluation.functional')
    assert offenders(lambda m, t, names: within(m, plain) and
                     (within(t, ('mmengine', 'mmpretrain', 'mmjft.registry')))) == []


@pytest.mark.parametrize('package', ['mmjft.downstream.detection', 'mmjft.downstream.segmentation',
                                     'mmjft.downstream.pose'])
def test_each_downstream_task_imports_only_its_own_library(package):
    own = {'mmjft.downstream.detection': 'mmdet', 'mmjft.downstream.segmentation': 'mmseg',
           'mmjft.downstream.pose': 'mmpose'}[package]
    others = tuple(lib for lib in DOWNSTREAM_LIBRARIES if lib != own)
    assert offenders(lambda m, t, names: within(m, (package, )) and within(t, others)) == []
    assert any(within(m, (package, )) and within(t, (own, )) for m, _, t, _ in IMPORTS)


@pytest.mark.heavy  # a fresh interpreter importing the whole pretraining stack: 13 s alone, 16 s in the suite
def test_importing_pretraining_loads_no_downstream_library():
    """What the rules above promise, in a fresh interpreter: the pretraining packages (as the default runtime's
    custom_imports lists them) and the converter table load neither mmseg nor mmpose, nor a downstream task of
    mmjft. (mmdet is loaded by mmpretrain itself: mmpretrain.models.utils imports mmdet's ResNet when mmdet is
    installed.)"""
    code = ('import sys, mmjft, mmjft.registry, mmjft.datasets, mmjft.models, mmjft.engine, mmjft.evaluation, '
            'mmjft.analysis, mmjft.downstream\n'
            'loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("mmseg", "mmpose") '
            'or m.startswith(("mmjft.downstream.detection", "mmjft.downstream.segmentation", '
            '"mmjft.downstream.pose", "mmjft.mini")))\n'
            'assert not loaded, loaded[:10]\n')
    subprocess.run([sys.executable, '-c', code], cwd=ROOT, check=True, env=dict(os.environ, PYTHONPATH=ROOT))
