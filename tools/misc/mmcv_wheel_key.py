"""What tools/install.sh keys its mmcv wheel and its up-to-date stamp on. Run with the venv's python.

    python tools/misc/mmcv_wheel_key.py variant                     cpu | cuda<TORCH_CUDA_ARCH_LIST>-cu<nvcc version>
    python tools/misc/mmcv_wheel_key.py wheel-dir CACHE TORCH_VER   CACHE/torch<ver>-<python tag>-<variant>
    python tools/misc/mmcv_wheel_key.py pick-wheel DIR NAME VER     the kept wheel this interpreter can install, or ''
    python tools/misc/mmcv_wheel_key.py stamp ROOT                  hash of install inputs + variant
    python tools/misc/mmcv_wheel_key.py gpu-warning                 a framed warning on stderr when nvidia-smi lists
                                                                    a GPU and FORCE_CUDA is unset

The variant follows mmcv's own switch: FORCE_CUDA=1 builds the CUDA ops (nvcc from $CUDA_HOME/$CUDA_PATH as torch's
build uses it, else the nvcc on PATH), anything else the CPU ops. Standard library only, plus ``packaging`` (pip's
vendored copy when the venv has none) for wheel tags.
"""
import glob
import hashlib
import os
import os.path as osp
import re
import shutil
import subprocess
import sys

try:
    from packaging import tags
    from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
    from packaging.version import Version
except ImportError:  # a bare venv: pip carries its own copy
    from pip._vendor.packaging import tags
    from pip._vendor.packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
    from pip._vendor.packaging.version import Version


class InstallKeyError(Exception):
    """A problem the user has to fix; printed as 'error: ...' without a traceback."""


def find_nvcc(env):
    """The nvcc torch's extension build will use: $CUDA_HOME (or $CUDA_PATH)/bin/nvcc when set, else PATH's."""
    home = env.get('CUDA_HOME') or env.get('CUDA_PATH')
    if home:
        nvcc = osp.join(home, 'bin', 'nvcc')
        if not os.access(nvcc, os.X_OK):
            name = 'CUDA_HOME' if env.get('CUDA_HOME') else 'CUDA_PATH'
            raise InstallKeyError(f'FORCE_CUDA=1 builds mmcv\'s CUDA ops with nvcc, but {name}={home} has no bin/nvcc; '
                            f'point {name} at the CUDA toolkit that matches torch\'s CUDA, or unset FORCE_CUDA '
                            'for a CPU build')
        return nvcc
    nvcc = shutil.which('nvcc', path=env.get('PATH', os.defpath))
    if nvcc is None:
        raise InstallKeyError('FORCE_CUDA=1 builds mmcv\'s CUDA ops with nvcc, but no nvcc is on PATH and CUDA_HOME is '
                        'unset; install the CUDA toolkit that matches torch\'s CUDA (or set CUDA_HOME), or unset '
                        'FORCE_CUDA for a CPU build')
    return nvcc


def nvcc_version(nvcc, env):
    """'12.8' from nvcc's 'Cuda compilation tools, release 12.8, V12.8.93'."""
    try:
        out = subprocess.run([nvcc, '--version'], capture_output=True, text=True, env=env, timeout=60)
    except OSError as e:
        raise InstallKeyError(f'cannot run {nvcc} --version: {e}')
    match = re.search(r'release (\d+)\.(\d+)', out.stdout)
    if out.returncode != 0 or match is None:
        raise InstallKeyError(f'{nvcc} --version (exit {out.returncode}) names no CUDA release '
                        f'("release X.Y"): {(out.stdout + out.stderr).strip()[-300:]!r}')
    return f'{match.group(1)}.{match.group(2)}'


def variant(env=None):
    env = os.environ if env is None else env
    if env.get('FORCE_CUDA', '0') != '1':
        return 'cpu'
    archs = re.sub(r'[^A-Za-z0-9.+]+', '_', env.get('TORCH_CUDA_ARCH_LIST', '').strip()).strip('_') or 'all'
    return f'cuda{archs}-cu{nvcc_version(find_nvcc(env), env)}'


def python_tag():
    """This interpreter's tag, e.g. cp311: a wheel built by one Python is not installable by another."""
    return tags.interpreter_name() + tags.interpreter_version()


def wheel_dir(cache, torch_version, env=None):
    return osp.join(cache, f'torch{torch_version}-{python_tag()}-{variant(env)}')


def pick_wheel(directory, name, version, supported=None, log=None):
    """The wheel of ``name==version`` in ``directory`` whose tags this interpreter supports (best tag first)."""
    supported = list(tags.sys_tags()) if supported is None else list(supported)
    rank = {tag: i for i, tag in enumerate(supported)}
    best = None
    for path in sorted(glob.glob(osp.join(directory, '*.whl'))):
        try:
            wname, wversion, _, wtags = parse_wheel_filename(osp.basename(path))
        except InvalidWheelFilename:
            continue
        if canonicalize_name(wname) != canonicalize_name(name) or wversion != Version(version):
            continue
        ranks = [rank[t] for t in wtags if t in rank]
        if not ranks:
            if log:
                log(f'ignoring {path}: its tags ({", ".join(sorted(map(str, wtags)))}) are not supported by '
                    f'{sys.executable} ({python_tag()})')
            continue
        if best is None or min(ranks) < best[0]:
            best = (min(ranks), path)
    return best[1] if best else ''


STAMPED = ('requirements/*.txt', 'tools/install.sh', 'setup.py', 'tools/misc/mmcv_wheel_key.py')


def stamp(root, env=None):
    """What an up-to-date venv was made from: the install inputs' contents and the mmcv variant."""
    digest = hashlib.sha1()
    for pattern in STAMPED:
        for path in sorted(glob.glob(osp.join(root, pattern))):
            with open(path, 'rb') as f:
                digest.update(f.read())
    digest.update(f'mmcv-variant={variant(env)}\n'.encode())
    return digest.hexdigest()[:16]


def list_gpus(env):
    """The 'GPU n: ...' lines of ``nvidia-smi -L`` (none when nvidia-smi is missing or fails)."""
    try:
        out = subprocess.run(['nvidia-smi', '-L'], capture_output=True, text=True, env=env, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return []
    if out.returncode != 0:
        return []
    return [line.strip() for line in out.stdout.splitlines() if re.match(r'\s*GPU \d+:', line)]


def compute_capabilities(env):
    try:
        out = subprocess.run(['nvidia-smi', '--query-gpu=compute_cap', '--format=csv,noheader'],
                             capture_output=True, text=True, env=env, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return []
    caps = {line.strip() for line in out.stdout.splitlines() if re.fullmatch(r'\d+\.\d+', line.strip())}
    return sorted(caps, key=lambda c: tuple(map(int, c.split('.')))) if out.returncode == 0 else []


def gpu_warning(env=None):
    """The warning text when this host has a GPU and FORCE_CUDA is unset, else ''."""
    env = os.environ if env is None else env
    if env.get('FORCE_CUDA', ''):
        return ''  # FORCE_CUDA=1 builds the CUDA ops; FORCE_CUDA=0 is an explicit choice of the CPU build
    gpus = list_gpus(env)
    if not gpus:
        return ''
    archs = ';'.join(compute_capabilities(env)) or '9.0'
    lines = [
        f'WARNING: nvidia-smi lists {len(gpus)} GPU(s) ({gpus[0]}{", ..." if len(gpus) > 1 else ""})',
        'but FORCE_CUDA is unset: this install builds mmcv\'s ops for the CPU only, and mmdet',
        '(detection transfer) needs mmcv\'s CUDA ops (RoIAlign, NMS) to run on the GPU. On this host run:',
        f'    FORCE_CUDA=1 TORCH_CUDA_ARCH_LIST="{archs}" bash tools/install.sh',
        '(nvcc of the CUDA version torch was built for; FORCE_CUDA=0 silences this warning.)',
    ]
    width = max(map(len, lines)) + 4
    return '\n'.join(['#' * width, *(f'# {line.ljust(width - 4)} #' for line in lines), '#' * width]) + '\n'


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    usage = __doc__.split('\n\n')[1]
    commands = {'variant': 0, 'wheel-dir': 2, 'pick-wheel': 3, 'stamp': 1, 'gpu-warning': 0}
    if not argv or argv[0] not in commands or len(argv) - 1 != commands[argv[0]]:
        print(f'usage:\n{usage}', file=sys.stderr)
        return 2
    cmd, args = argv[0], argv[1:]
    try:
        if cmd == 'variant':
            print(variant())
        elif cmd == 'wheel-dir':
            print(wheel_dir(*args))
        elif cmd == 'pick-wheel':
            print(pick_wheel(*args, log=lambda msg: print(msg, file=sys.stderr)))
        elif cmd == 'stamp':
            print(stamp(args[0]))
        else:
            sys.stderr.write(gpu_warning())
    except InstallKeyError as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
