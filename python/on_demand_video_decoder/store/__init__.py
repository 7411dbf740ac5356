"""Layer 3: GOPs kept for later. The decoder-side GOP cache (``_gop_cache``) and the GOP store shared
by DataLoader workers (``_shared_gop_store``, its index and block files, ``_gop_ref``). Imports
``common`` and the engine."""
