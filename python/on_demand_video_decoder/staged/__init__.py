"""Layer 3: the staged API. demux / decode / convert and their async forms (``_stages``), their
Packets / Frames / Batch types (``_types``), frames by time (``_by_time``) and images (``_images``).
Imports ``common``, ``sources`` and the engine."""
