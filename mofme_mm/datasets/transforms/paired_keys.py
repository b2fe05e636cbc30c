"""Which arrays a paired transform moves together, and their shape check."""
from typing import List, Sequence

DEFAULT_KEYS = ('img', 'gt_img', 'gt_seg_map')


def present_keys(results: dict, keys: Sequence[str]) -> List[str]:
    """``keys`` (plus mmseg ``seg_fields``) present in ``results``, checked to
    share one height and width.

    Args:
        results (dict): the pipeline dict.
        keys (Sequence[str]): candidate keys.

    Returns:
        list[str]: keys present, in order, without duplicates.
    """
    found = []
    for key in list(keys) + list(results.get('seg_fields', [])):
        if key in results and key not in found:
            found.append(key)
    if not found:
        raise KeyError(f'none of {list(keys)} in the sample; load the images '
                       'before the paired transforms.')
    shapes = {key: results[key].shape[:2] for key in found}
    if len(set(shapes.values())) > 1:
        raise ValueError(
            f'paired arrays differ in size {shapes} for input '
            f'{results.get("img_path")!r} / gt {results.get("gt_path")!r} / '
            f'label {results.get("seg_map_path")!r}: the files of a pair '
            'must have the same height and width.')
    return found
