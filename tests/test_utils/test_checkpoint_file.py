"""``load_checkpoint_file``: a file that is not a checkpoint, and one that carries code, get an error that names the
file and says what it is, never torch's advice to reload with ``weights_only=False``."""
import os
import pickle
import re

import pytest
import torch

from mmjft.utils.compat import NotACheckpointError, load_checkpoint_file

TORCH_HINT = ('weights_only=False', 'will likely succeed', 'add_safe_globals')


class Payload:
    def __reduce__(self):
        return (os.system, ('echo pwned > /dev/null', ))


def written(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize('name, data, what', [
    ('notes.pth', b'epoch 12: mAP 0.41\nsee the log\n', "it is text (31 bytes) beginning 'epoch 12: mAP 0.41"),
    ('noise.pth', bytes(range(7, 255, 3)) * 9, "its 747 bytes begin b'\\x07\\n\\r\\x10\\x13"),
    ('empty.pth', b'', 'the file is empty'),
])
def test_a_file_that_is_not_a_checkpoint_says_so(tmp_path, name, data, what):
    path = written(tmp_path, name, data)
    with pytest.raises(NotACheckpointError, match=re.escape(f'{name} is not a checkpoint: {what}')) as info:
        load_checkpoint_file(path)
    assert not any(hint in str(info.value) for hint in TORCH_HINT), str(info.value)


def test_a_truncated_or_non_dict_torch_file(tmp_path):
    whole = tmp_path / 'whole.pth'
    torch.save(dict(state_dict=dict(w=torch.ones(64)), meta=dict(iter=3)), whole)
    assert load_checkpoint_file(str(whole))['meta'] == dict(iter=3)
    cut = written(tmp_path, 'cut.pth', whole.read_bytes()[:300])
    with pytest.raises(NotACheckpointError, match=r'cut\.pth is not a readable checkpoint: it begins as a torch file'):
        load_checkpoint_file(cut)
    torch.save(torch.ones(2), tmp_path / 'tensor.pth')
    with pytest.raises(NotACheckpointError, match=r'tensor\.pth is not a checkpoint: torch.load reads a Tensor'):
        load_checkpoint_file(str(tmp_path / 'tensor.pth'))


def test_a_checkpoint_carrying_code_is_still_refused(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {'w': torch.zeros(1)}, 'meta': {'hook': Payload()}}, path)
    with pytest.raises(pickle.UnpicklingError, match=r'evil\.pth is refused: it holds posix\.system') as info:
        load_checkpoint_file(str(path))
    assert not any(hint in str(info.value) for hint in TORCH_HINT), str(info.value)
