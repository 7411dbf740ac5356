"""Layer 6: the command line's jobs (``python -m on_demand_video_decoder``): the demo (``_demo``) and
re-encoding for random access (``_reencode``). Imports any layer below."""
