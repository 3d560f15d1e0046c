"""The shared kernel: the few pieces every Involve service needs.

Keep it small. Anything that belongs to one service lives in that service's folder.
"""
