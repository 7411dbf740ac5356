"""Layer 2: where a video comes from and what it holds. Paths, bytes and file-like objects handed to
the engine (``_sources``), stream choice (``_stream_info``: list_streams), a stream's frame timeline
(``_timeline``), its parameters (``_stream_info``: FastStreamInfo, GetFastInitInfo) and metadata
(``_metadata``), and the page cache (``_page_cache``). Imports ``common`` and the engine."""
