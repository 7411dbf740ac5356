"""Layer 4: the accvlab names (the seed API). PyNvGopDecoder (``_gop_decoder``, GOP groups in
``_gop_groups``), CreateGopDecoder's cached decoder (``_cached_gop_decoder``), PyNvSampleReader
(``_sample_reader``) and the 2-D asynchronous classes (``_batch_*``). Imports ``common``, ``sources``,
``store`` and the engine."""
