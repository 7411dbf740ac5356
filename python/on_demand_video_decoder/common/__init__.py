"""Layer 1: what every layer shares. Argument checks (``_args``, ``_source_kinds``), devices and GPU
backends (``_devices``), the codec numbering (``_codec``), RGB output options (``_output``), the error
types (``_errors``), logging, build information, progress bars, the colour-range warning and the one
pending asynchronous request (``_pending_request``). Imports only the engine (``_engine``)."""
