"""The text side: clean typography, find quotations, split sentences and segments.

Every function here takes and returns plain strings or small dataclasses; none touches audio.
"""
