"""Outputs that appear whole or not at all: each file is written under a temporary name next to its place and
renamed over it at the end (``os.replace``: atomic on one file system), so a failed run leaves the previous outputs
as they were and a reader never sees half a file.

Several files that belong together (a dataset's label space and JSONL, an index and its data files) go through one
:class:`Staging`: written aside, renamed in the order they were staged (the header or report staged last appears
last), or all removed when the block fails. Standard library only.
"""
import hashlib
import os
import os.path as osp
import secrets
from collections.abc import Iterable

__all__ = ['temp_path', 'atomic_open', 'Staging', 'same_file', 'refuse_overwriting_inputs', 'file_sha1',
           'remove_files', 'check_sha1', 'stage_copy']


def temp_path(path: str) -> str:
    """A fresh hidden name next to ``path`` (same folder, so the final rename stays on one file system)."""
    folder, name = osp.split(osp.abspath(path))
    return osp.join(folder, f'.{name}.tmp-{os.getpid()}-{secrets.token_hex(4)}')


def remove_files(paths: Iterable[str]) -> None:
    """Remove the files that exist among ``paths`` (a cleanup: missing ones are no error)."""
    for p in paths:
        try:
            os.remove(p)
        except FileNotFoundError:
            pass


class Staging:
    """Output files written under temporary names and renamed into place together.

    ``with Staging() as stage:`` ... ``stage.open(final)`` / ``stage.path(final)`` ...: leaving the block normally
    renames every staged file over its final name, in staging order; leaving it by an exception removes them and the
    previous outputs stay untouched.
    """

    def __init__(self):
        self._pending: list[tuple[str, str]] = []

    def path(self, final: str) -> str:
        """The temporary path to write ``final``'s content to (its folder is created)."""
        os.makedirs(osp.dirname(osp.abspath(final)), exist_ok=True)
        tmp = temp_path(final)
        self._pending.append((tmp, final))
        return tmp

    def open(self, final: str, mode: str = 'w', encoding: str | None = 'utf-8', **kwargs):
        """``open`` of the temporary file of ``final`` (text in UTF-8 unless ``mode`` is binary)."""
        return open(self.path(final), mode, encoding=None if 'b' in mode else encoding, **kwargs)

    def commit(self) -> None:
        """Rename every staged file over its final name, in staging order."""
        for tmp, final in self._pending:
            os.replace(tmp, final)
        self._pending.clear()

    def discard(self) -> None:
        """Remove every staged temporary file."""
        remove_files(tmp for tmp, _ in self._pending)
        self._pending.clear()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.commit()
        else:
            self.discard()
        return False


def atomic_open(path: str, mode: str = 'w', encoding: str | None = 'utf-8', **kwargs):
    """A file opened for writing ``path`` that appears there only when the ``with`` block ends without an error::

        with atomic_open(dst) as f:
            f.write(...)
    """
    return _AtomicFile(path, mode, encoding, kwargs)


class _AtomicFile:

    def __init__(self, path, mode, encoding, kwargs):
        self._stage = Staging()
        self._file = self._stage.open(path, mode, encoding, **kwargs)

    def __enter__(self):
        return self._file

    def __exit__(self, exc_type, exc, tb):
        self._file.close()
        return self._stage.__exit__(exc_type, exc, tb)


def same_file(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` name one file (``os.path.samefile`` when both exist, else the absolute paths)."""
    if osp.exists(a) and osp.exists(b):
        return osp.samefile(a, b)
    return osp.abspath(a) == osp.abspath(b)


def refuse_overwriting_inputs(inputs: Iterable[str | None], outputs: Iterable[str], error=ValueError) -> None:
    """Raise ``error`` naming both when an output would be written over one of the inputs (``None`` inputs skipped)."""
    inputs = [p for p in inputs if p]
    for out in outputs:
        for inp in inputs:
            if same_file(inp, out):
                raise error(f'the output {out} is the input {inp}: writing it would destroy the input; write the '
                            'output elsewhere')


def stage_copy(src: str, out_dir: str, name: str, stage: Staging, replaceable: Iterable[str] = ()) -> str:
    """The name (relative to ``out_dir``) under which the output folder ``out_dir`` holds the input ``src``.

    ``src``'s own name when it lies in ``out_dir`` (nothing copied: e.g. an index written into its data folder);
    ``name`` when the file there has ``src``'s bytes; else ``name``, a copy of ``src`` staged in ``stage``. A different
    file already at ``name`` is replaced only if ``replaceable`` lists it (the replaced output's own copy); otherwise
    it belongs to something else (the data's own label space, another output) and a ValueError says so.
    """
    here = osp.dirname(osp.abspath(src))
    if osp.isdir(out_dir) and osp.samefile(here, out_dir):
        return osp.basename(src)
    dst = osp.join(out_dir, name)
    if osp.exists(dst):
        if file_sha1(dst) == file_sha1(src):
            return name
        if name not in replaceable:
            raise ValueError(f'{dst} exists and differs from {src}, and the output being replaced did not write it '
                             '(the data\'s own file or another output\'s?): not overwritten; write to another folder')
    with open(src, 'rb') as fin, stage.open(dst, 'wb') as fout:
        for block in iter(lambda: fin.read(1 << 20), b''):
            fout.write(block)
    return name


def file_sha1(path: str) -> str:
    """The SHA-1 of a file's bytes, read in chunks."""
    digest = hashlib.sha1()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def check_sha1(owner: str, folder: str, digests: dict) -> None:
    """Check that each ``{file name: sha1}`` of ``digests`` (relative to ``folder``) still has that content; the
    ValueError names ``owner`` (the header that recorded them) and the file."""
    for name, sha1 in digests.items():
        path = osp.join(folder, name)
        if not osp.isfile(path):
            raise ValueError(f'{owner}: {path} is missing (the header was written with it); rewrite the output')
        if file_sha1(path) != sha1:
            raise ValueError(f'{owner}: {path} changed since the header was written (sha1 {sha1[:12]}... then): '
                             'the files are of different runs; rewrite the output')
