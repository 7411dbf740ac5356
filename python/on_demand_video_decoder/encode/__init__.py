"""Layer 2: files this package writes: videos (``_writer``: write_video) and PNG images (``_png``).
Imports ``common`` and the engine."""
