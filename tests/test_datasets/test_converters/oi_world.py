"""A tiny Open Images world in the official formats (written by the tests)."""
import json

CLASSES_CSV = 'LabelName,DisplayName\n/m/a,Animal\n/m/d,Dog\n/m/c,Cat\n/m/t,Tail\n/m/x,Car\n/m/p,"Plant, green"\n'
# the root /m/0bl9f ('Entity') is not a class; 'Tail' is only a Part of 'Dog' (part-of: never an ancestor)
TREE = {'LabelName': '/m/0bl9f', 'Subcategory': [
    {'LabelName': '/m/a', 'Subcategory': [
        {'LabelName': '/m/d', 'Part': [{'LabelName': '/m/t'}]},
        {'LabelName': '/m/c'}]},
    {'LabelName': '/m/x'}]}
HUMAN = ('ImageID,Source,LabelName,Confidence\n'
         'img1,verification,/m/d,1\n'
         'img1,verification,/m/c,0\n'      # human negative
         'img2,crowdsource-verified,/m/c,1\n'
         'img2,verification,/m/t,0\n'
         'img3,verification,/m/x,0\n'
         'img4,verification,/m/zzz,1\n')   # unknown class
MACHINE = ('ImageID,Source,LabelName,Confidence\n'
           'img1,machine,/m/c,0.9\n'        # vetoed by the human negative
           'img1,machine,/m/t,0.8\n'
           'img2,machine,/m/x,0.3\n'        # below the threshold
           'img3,machine,/m/p,0.7\n'
           'img3,machine\n'                 # malformed line
           'img5,machine,/m/d,0.6\n')


def write_oi(root):
    (root / 'classes.csv').write_text(CLASSES_CSV)
    (root / 'hierarchy.json').write_text(json.dumps(TREE))
    (root / 'human.csv').write_text(HUMAN)
    (root / 'machine.csv').write_text(MACHINE)
    return dict(labels=[str(root / 'human.csv'), str(root / 'machine.csv')], classes=str(root / 'classes.csv'),
                hierarchy=str(root / 'hierarchy.json'))


def write_data_noun(path):
    """A data.noun-format file: each synset line starts with its own byte offset; returns {name: wnid}."""
    synsets = {  # name: [(pointer, parent name)], in file order
        'entity': [], 'physical_entity': [('@', 'entity')], 'object': [('@', 'physical_entity')],
        'animal': [('@', 'object'), ('~', 'dog')], 'pet': [('@', 'object')],
        'dog': [('@', 'animal'), ('@', 'pet')], 'cat': [('@', 'animal')], 'rex': [('@i', 'dog')]}
    header = '  1 This software and database is being provided to you, the LICENSEE, by Princeton University\n'
    names, offsets, pos = list(synsets), {}, len(header)

    def line(name, offs):
        ptrs = ' '.join(f'{p} {offs[t]:08d} n 0000' for p, t in synsets[name])
        return f'{offs[name]:08d} 03 n 01 {name} 0 {len(synsets[name]):03d} {ptrs} | a {name} (n. 12345678)\n'
    dummy = dict.fromkeys(names, 0)
    for n in names:
        offsets[n] = pos
        pos += len(line(n, dummy).encode())
    with open(path, 'w') as f:
        f.write(header + ''.join(line(n, offsets) for n in names))
    return {n: f'n{o:08d}' for n, o in offsets.items()}
