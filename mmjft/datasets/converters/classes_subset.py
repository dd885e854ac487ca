"""The class-list file of ``classes_subset`` (JFTDataset): the classes of a large label space that match a smaller
one, e.g. the paper's 941 JFT classes matching ImageNet's 1K, or ImageNet-21K's wnids that are ImageNet-1K's."""
from collections.abc import Sequence

__all__ = ['match_classes']


def _norm(name: str) -> str:
    return ' '.join(name.replace('_', ' ').lower().split())


def match_classes(classes: Sequence[str], wanted: Sequence[str],
                  display_names: Sequence[str] | None = None) -> tuple[list[str], list[str], dict]:
    """The classes (as written in the classes file) that ``wanted`` names, in ``wanted``'s order.

    A wanted entry matches a class id exactly (a wnid, an Open Images id), or else a display name (``display_names``
    aligned with ``classes``; case, '_' and spaces ignored; a wanted entry may list synonyms separated by commas, as
    timm's ``imagenet_synset_to_lemma.txt`` does: the first synonym that matches wins). A display name shared by
    several classes is ambiguous: the entry is reported, not guessed.

    Returns:
        tuple: (matched class ids, wanted entries without a match, {entry: [classes]} of ambiguous entries).
    """
    ids = set(classes)
    by_name: dict[str, list[str]] = {}
    if display_names is not None:
        if len(display_names) != len(classes):
            raise ValueError(f'{len(display_names)} display names for {len(classes)} classes')
        for c, n in zip(classes, display_names):
            by_name.setdefault(_norm(n), []).append(c)
    matched, missing, ambiguous, seen = [], [], {}, set()
    for entry in wanted:
        entry = entry.strip()
        if not entry:
            continue
        hit = entry if entry in ids else None
        if hit is None:
            for synonym in entry.split(','):
                found = by_name.get(_norm(synonym), [])
                if len(found) == 1:
                    hit = found[0]
                    break
                if len(found) > 1:
                    ambiguous[entry] = found
                    break
        if hit is None:
            if entry not in ambiguous:
                missing.append(entry)
        elif hit not in seen:
            seen.add(hit)
            matched.append(hit)
    return matched, missing, ambiguous
