// on_demand_video_decoder._engine: the compiled core. The public API is the Python package, which
// re-exports and documents what is registered here.
#include "bindings/register.h"

PYBIND11_MODULE(_engine, m) {
  m.doc() = "on_demand_video_decoder compiled engine (see the on_demand_video_decoder package)";
  odvd::bindings::register_logging(m);
  odvd::bindings::register_errors(m);
  odvd::bindings::register_build_info(m);
  odvd::bindings::register_convert(m);
  odvd::bindings::register_plane_views(m);
  odvd::bindings::register_pixel_format(m);
  odvd::bindings::register_frames(m);
  odvd::bindings::register_gop_decoder(m);
  odvd::bindings::register_index(m);
  odvd::bindings::register_sample_reader(m);
  odvd::bindings::register_block_pool(m);
  odvd::bindings::register_bitstream(m);
  odvd::bindings::register_writer(m);
  odvd::bindings::register_sources(m);
  odvd::bindings::register_images(m);
}
