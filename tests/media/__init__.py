"""Test media made with the ffmpeg CLI at test time, and reference frames read back with it.

Nothing here calls on_demand_video_decoder: the references are independent of the code under test.
"""
