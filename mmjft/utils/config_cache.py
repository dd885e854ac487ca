"""Two pure, repeated computations of mmengine 0.10.7's Config, remembered per process.

Measured on 2 cores with cProfile (2026-12-01): a 2-iteration run of the mini Faster R-CNN through tools/train.py's
``main`` took 14.8 s, of which

1. 4.9 s formatting the merged config with yapf, five times over the same text (``Config.pretty_text``: the Runner's
   log, its metadata, every checkpoint's ``meta['cfg']``, ``Runner.dump_config``). yapf's ``FormatCode`` is a pure
   function of the text and the style; its answer is remembered for the last few texts (:func:`_format_code`).
2. 2.0 s resolving ``mmdet::_base_/...`` bases: for every ``package::path`` mmengine parses all of the package's
   ~300 ``metafile.yml`` files to look the name up among its model configs, fails (a base config has no metafile
   entry) and falls back to the package's config folder. The lookup's answer (a path, or the ValueError that sends
   mmengine to its fallback) is remembered per (package folder, name) (:func:`_external_cfg_path`). Before it,
   ``is_installed(package)`` reloads ``pkg_resources`` (which scans every installed distribution and, with
   setuptools >= 81, prints its deprecation warning on every config load): a package found once is remembered.

Both are installed on ``import mmjft`` (:func:`remember_config_work`), so tools, the study runner's lanes (many
cells in one process) and the tests all get them; what the Config returns is unchanged (a test compares the texts).
"""
import functools

_INSTALLED = False


@functools.lru_cache(maxsize=16)  # formatted texts remembered (a merged config's text is ~20 KB)
def _formatted(format_code, source, style):
    return format_code(source, style_config=dict(style))


def _format_code(format_code, source, *args, style_config=None, **kwargs):
    if args or kwargs or not isinstance(style_config, dict):  # only the call pretty_text makes is remembered
        return format_code(source, *args, style_config=style_config, **kwargs)
    try:
        return _formatted(format_code, source, tuple(sorted(style_config.items())))
    except TypeError:  # a style value that cannot be a key
        return format_code(source, style_config=style_config)


def _external_cfg_path(lookup, cache, package_path, cfg_file):
    key = (package_path, cfg_file)
    if key not in cache:
        try:
            cache[key] = (True, lookup(package_path, cfg_file))
        except ValueError as e:  # not a model config of the package: mmengine falls back to its config folder
            cache[key] = (False, str(e))
    found, answer = cache[key]
    if not found:
        raise ValueError(answer)
    return answer


def _is_installed(check, found, package):
    if package not in found and check(package):
        found.add(package)
    return package in found


def remember_config_work():
    """Install the memos into ``mmengine.config.config`` (idempotent)."""
    global _INSTALLED
    if _INSTALLED:
        return
    from mmengine.config import config as mm_config
    memos = dict(FormatCode=(_format_code, ), _get_external_cfg_path=(_external_cfg_path, {}),
                 is_installed=(_is_installed, set()))
    for name, (memo, *state) in memos.items():
        if callable(getattr(mm_config, name, None)):  # an mmengine that renamed one keeps its own (slower) code
            setattr(mm_config, name, functools.partial(memo, getattr(mm_config, name), *state))
    _INSTALLED = True
