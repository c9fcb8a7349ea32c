"""Generated motion clips: the training and test data of the shipped model.

Nine classes that differ only over time (an object moving left/right/up/down,
rotating clockwise/counter-clockwise, growing, shrinking, standing still),
rendered with vectorised numpy from a seed, so the same seed always gives the
same bytes.  See tools/uniformer-motion-clips --help.
"""
from .classes import CLASSES
from .scene import sample_scene
from .render import render_frames, window_times

__all__ = ["CLASSES", "sample_scene", "render_frames", "window_times"]
