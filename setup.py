import os.path as osp

from setuptools import find_packages, setup


def readme():
    with open('README.md', encoding='utf-8') as f:
        return f.read()


def get_version():
    ns = {}
    with open(osp.join('mmjft', 'version.py'), encoding='utf-8') as f:
        exec(compile(f.read(), 'mmjft/version.py', 'exec'), ns)
    return ns['__version__']


def parse_requirements(fname):
    """Plain requirement lines of a requirements file (comments and -r lines dropped)."""
    out = []
    with open(fname, encoding='utf-8') as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line and not line.startswith('-'):
                out.append(line)
    return out


setup(
    name='mmjft',
    version=get_version(),
    description='JFT-style large-scale noisy multi-label pretraining and transfer on OpenMMLab',
    long_description=readme(),
    long_description_content_type='text/markdown',
    packages=find_packages(exclude=('configs', 'tools', 'tests')),
    include_package_data=True,
    python_requires='>=3.10',
    install_requires=parse_requirements('requirements/runtime.txt'),
    extras_require={
        'tests': parse_requirements('requirements/tests.txt'),
        'optional': parse_requirements('requirements/optional.txt'),
    },
    license='Apache License 2.0',
)
