"""The motion classes, in model head order, and how mirroring and time reversal
relabel them (used by training augmentation and the generator's checks)."""

CLASSES = (
    "moving left",
    "moving right",
    "moving up",
    "moving down",
    "rotating clockwise",
    "rotating counter-clockwise",
    "growing",
    "shrinking",
    "standing still",
)

INDEX = {name: i for i, name in enumerate(CLASSES)}


def _perm(pairs):
    out = list(range(len(CLASSES)))
    for a, b in pairs:
        out[INDEX[a]], out[INDEX[b]] = INDEX[b], INDEX[a]
    return tuple(out)


ROTATIONS = ("rotating clockwise", "rotating counter-clockwise")
# Label after flipping the frames left-right, up-down, or playing them backwards.
HFLIP = _perm([("moving left", "moving right"), ROTATIONS])
VFLIP = _perm([("moving up", "moving down"), ROTATIONS])
REVERSE = _perm([("moving left", "moving right"), ("moving up", "moving down"),
                 ROTATIONS, ("growing", "shrinking")])


def parse_classes(text):
    """'all', or a comma list of names or indices -> tuple of class indices."""
    if text in (None, "", "all"):
        return tuple(range(len(CLASSES)))
    out = []
    for item in text.split(","):
        item = item.strip()
        if item.isdigit() and int(item) < len(CLASSES):
            out.append(int(item))
        elif item.replace("-", " ").replace("_", " ") in INDEX:
            out.append(INDEX[item.replace("-", " ").replace("_", " ")])
        else:
            raise ValueError(f"unknown class {item!r}; classes are 0..{len(CLASSES) - 1} or "
                             + ", ".join(CLASSES))
    return tuple(out)
