"""mmjft.utils.config_cache: mmengine's Config gives the same answers, and repeats no yapf run or metafile scan."""
import os.path as osp

from mmengine.config import Config
from mmengine.config import config as mm_config
from yapf.yapflib.yapf_api import FormatCode

import mmjft  # noqa: F401  (installs the memos)
from conftest import ROOT
from mmjft.utils import config_cache

DET_MINI = osp.join(ROOT, 'configs/faster_rcnn/faster-rcnn_r18-c4_mini-jft-pre_1xb2_mini-coco-96px.py')


def test_pretty_text_is_yapfs_and_formatted_once(monkeypatch):
    assert mm_config.FormatCode.func is config_cache._format_code  # installed by import mmjft
    assert mm_config._get_external_cfg_path.func is config_cache._external_cfg_path
    calls = []

    def counting(source, style_config=None):
        calls.append(source)
        return FormatCode(source, style_config=style_config)

    config_cache._formatted.cache_clear()
    monkeypatch.setattr(mm_config, 'FormatCode', lambda *a, **k: config_cache._format_code(counting, *a, **k))
    cfg = Config.fromfile(DET_MINI)
    text = cfg.pretty_text
    assert cfg.pretty_text == text and Config(cfg.to_dict()).pretty_text == text
    assert len(calls) == 1
    cfg.merge_from_dict({'train_cfg.max_iters': 7})  # another text is formatted anew
    assert 'max_iters=7' in cfg.pretty_text and len(calls) == 2
    raw = calls[0]  # what mmengine hands yapf, formatted by yapf itself
    assert text == FormatCode(raw, style_config=dict(based_on_style='pep8', blank_line_before_nested_class_or_def=True,
                                                     split_before_expression_after_opening_paren=True))[0]


def test_package_bases_resolve_as_mmengine_resolves_them(monkeypatch):
    lookups = []
    original = mm_config._get_external_cfg_path.args[0]  # mmengine's own function, behind the memo

    def counting(package_path, cfg_file):
        lookups.append(cfg_file)
        return original(package_path, cfg_file)

    monkeypatch.setattr(mm_config, '_get_external_cfg_path',
                        lambda p, f, cache={}: config_cache._external_cfg_path(counting, cache, p, f))
    first = Config.fromfile(DET_MINI)
    looked_up = len(lookups)
    second = Config.fromfile(DET_MINI)
    assert looked_up >= 1 and len(lookups) == looked_up  # the second load scans no metafile
    assert first.to_dict() == second.to_dict()
    # a base config (no metafile entry): mmengine's fallback path, remembered as such
    path, scope = Config._get_cfg_path('mmdet::_base_/default_runtime.py', DET_MINI)
    assert scope == 'mmdet' and path.endswith(osp.join('configs', '_base_', 'default_runtime.py')) and osp.isfile(path)
    assert Config._get_cfg_path('mmdet::_base_/default_runtime.py', DET_MINI) == (path, scope)
