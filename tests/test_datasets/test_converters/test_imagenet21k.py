import json

import pytest

from mmjft.datasets.converters import ConversionError, WordNet, convert_imagenet21k, match_classes
from mmjft.structures import LabelHierarchy

from .oi_world import write_data_noun


def test_wordnet_parents_are_hypernym_and_instance_pointers(tmp_path):
    w = write_data_noun(tmp_path / 'data.noun')
    wn = WordNet(str(tmp_path / 'data.noun'))
    assert wn.synset(w['dog']) == ('dog', [w['animal'], w['pet']])
    assert wn.synset(w['animal']) == ('animal', [w['object']])  # '~' (hyponym) is not a parent
    assert wn.synset(w['rex']) == ('rex', [w['dog']])  # '@i'
    assert wn.synset('n00000005') is None and wn.synset('n99999999') is None  # inside a line / past the end
    wn.close()


@pytest.mark.parametrize('mode', ['full', 'collapse'])
def test_list_to_classes_and_hierarchy(tmp_path, mode):
    w = write_data_noun(tmp_path / 'data.noun')
    (tmp_path / 'wnids.txt').write_text(f'{w["dog"]}\tdog\n{w["cat"]}\n{w["rex"]}\n')
    rep = convert_imagenet21k(str(tmp_path / 'wnids.txt'), str(tmp_path / mode), str(tmp_path / 'data.noun'), mode,
                              log=lambda m: None)
    h = LabelHierarchy.from_files(str(tmp_path / mode / 'classes.txt'), str(tmp_path / mode / 'hierarchy.json'))
    name = dict(zip(h.classes, (tmp_path / mode / 'class_names.txt').read_text().split()))
    assert [name[c] for c in h.classes[:3]] == ['dog', 'cat', 'rex']  # the input's ids come first
    anc = {name[c]: sorted(name[h.classes[j]] for j in h.ancestors[i].indices) for i, c in enumerate(h.classes)}
    if mode == 'full':
        assert sorted(name.values()) == sorted(['dog', 'cat', 'rex', 'animal', 'pet', 'object', 'physical_entity',
                                                'entity'])
        assert anc['rex'] == ['animal', 'dog', 'entity', 'object', 'pet', 'physical_entity']
        assert rep['hierarchy']['max_depth'] == 5 and rep['hierarchy']['num_multi_parent'] == 1
    else:  # entity -> physical_entity chain and the single-child 'pet' collapse; animal (2 children) stays
        assert sorted(name.values()) == ['animal', 'cat', 'dog', 'object', 'rex']
        assert anc['rex'] == ['animal', 'dog', 'object'] and anc['cat'] == ['animal', 'object']
        assert rep['hierarchy']['max_depth'] == 3 and rep['hierarchy']['num_roots'] == 1


def test_bad_wnids_counted_then_ceiling(tmp_path):
    w = write_data_noun(tmp_path / 'data.noun')
    (tmp_path / 'wnids.txt').write_text(f'{w["dog"]}\nn99999999\nnotawnid\n{w["dog"]}\n{w["cat"]}\n')
    logs = []
    rep = convert_imagenet21k(str(tmp_path / 'wnids.txt'), str(tmp_path / 'o'), str(tmp_path / 'data.noun'),
                              max_bad_fraction=0.7, log=logs.append)
    assert rep['bad_wnids']['by_reason'] == {'malformed wnid': 1, 'repeated wnid': 1,
                                             'not a WordNet 3.0 noun synset': 1}
    assert 'wnids.txt:3: malformed wnid (notawnid)' in logs[0] and rep['classes_with_images'] == 2
    with pytest.raises(ConversionError, match='3 of 5 wnids'):
        convert_imagenet21k(str(tmp_path / 'wnids.txt'), str(tmp_path / 'o'), str(tmp_path / 'data.noun'),
                            max_bad_fraction=0.5, log=logs.append)


def test_folder_lists_images_with_a_hash_split(tmp_path):
    w = write_data_noun(tmp_path / 'data.noun')
    for n, k in (('dog', 6), ('cat', 4)):
        (tmp_path / 'imgs' / w[n]).mkdir(parents=True)
        for i in range(k):
            (tmp_path / 'imgs' / w[n] / f'{i}.JPEG').write_bytes(b'')
    (tmp_path / 'imgs' / w['dog'] / 'notes.txt').write_text('not an image')
    rep = convert_imagenet21k(str(tmp_path / 'imgs'), str(tmp_path / 'o'), str(tmp_path / 'data.noun'),
                              val_fraction=0.3, log=lambda m: None)
    lines = [json.loads(x) for s in ('train', 'val') for x in open(tmp_path / 'o' / f'{s}.jsonl')]
    assert len(lines) == 10 and rep['images']['train'] + rep['images']['val'] == 10
    assert all(x['labels'] == [x['img_path'].split('/')[0]] for x in lines)
    again = convert_imagenet21k(str(tmp_path / 'imgs'), str(tmp_path / 'o2'), str(tmp_path / 'data.noun'),
                                val_fraction=0.3, log=lambda m: None)
    assert again['images'] == rep['images'] and (tmp_path / 'o2' / 'val.jsonl').read_text() == \
        (tmp_path / 'o' / 'val.jsonl').read_text()


def test_match_classes_by_id_or_name():
    classes, names = ['n1', 'n2', 'n3', 'n4'], ['Tench', 'goldfish', 'crane', 'crane']
    matched, missing, ambiguous = match_classes(classes, ['n2', 'tinca tinca, tench', 'Crane', 'zebra', 'n2'], names)
    assert matched == ['n2', 'n1'] and missing == ['zebra'] and ambiguous == {'Crane': ['n3', 'n4']}


def test_val_fraction_out_of_range_and_a_folder_without_images_are_errors(tmp_path):
    w = write_data_noun(tmp_path / 'data.noun')
    (tmp_path / 'imgs' / w['dog']).mkdir(parents=True)
    (tmp_path / 'imgs' / w['dog'] / 'notes.txt').write_text('not an image')
    args = (str(tmp_path / 'imgs'), str(tmp_path / 'o'), str(tmp_path / 'data.noun'))
    with pytest.raises(ValueError, match=r'val_fraction must lie in \[0, 1\), got 1.5'):
        convert_imagenet21k(*args, val_fraction=1.5, log=lambda m: None)
    with pytest.raises(ConversionError, match=r'imgs: no training image \(0 for validation\) in the folders of 1 '):
        convert_imagenet21k(*args, log=lambda m: None)
    assert not (tmp_path / 'o').exists() or not any((tmp_path / 'o').iterdir())  # no label space without images
