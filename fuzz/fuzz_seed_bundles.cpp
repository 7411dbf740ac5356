// Seed maker for the fuzz corpus (fuzz/make_corpus.py), not a fuzz target:
//   fuzz_seed_bundles OUT_DIR FILE...
// For each media file, writes bundles made by this build's engine (GetGOP's: one entry each for the
// first, middle and last frame's GOP, and one bundle with the three) to OUT_DIR/bundle/, and the
// first packets of those GOPs (Annex-B access units, AV1 temporal units, VP9 frames, as bundles carry
// them) to OUT_DIR/packets/<codec>-..., for the bitstream and colour targets.
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "bundle/bundle.h"
#include "decode/backend.h"
#include "engine/gop_engine.h"

namespace {

void write(const std::string& path, const uint8_t* data, size_t size) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  if (!f) throw std::runtime_error("cannot write " + path);
}

void write_bundle(const std::string& path, const std::vector<odvd::bundle::EntryView>& entries) {
  std::vector<uint8_t> bytes(odvd::bundle::serialized_size(entries));
  odvd::bundle::serialize(entries, bytes.data(), bytes.size());
  write(path, bytes.data(), bytes.size());
}

std::string base_name(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  return name.substr(0, name.find_first_of(".-"));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s OUT_DIR FILE...\n", argv[0]);
    return 2;
  }
  const std::string out = argv[1];
  odvd::GopEngine engine(4, 1, odvd::make_backend(-1));
  for (int a = 2; a < argc; ++a) {
    const std::string path = argv[a], name = base_name(path);
    const int64_t frames = engine.params_of(path).frame_count;
    const std::vector<int64_t> ids = {0, frames / 2, frames - 1};
    std::vector<odvd::bundle::EntryView> all;
    std::vector<std::shared_ptr<odvd::ExtractedGop>> keep;  // own the payloads `all` points into
    for (int64_t id : ids) {
      keep.push_back(engine.extract({path}, {id}).front());
      const odvd::bundle::EntryView& v = keep.back()->view;
      write_bundle(out + "/bundle/" + name + "-" + std::to_string(id) + ".bin", {v});
      all.push_back(v);
      const char* codec = odvd::codec_name(v.params.codec);
      for (size_t k = 0; k < v.packets.size() && k < 2; ++k) {
        const auto& p = v.packets[k];
        write(out + "/packets/" + codec + "-" + name + "-" + std::to_string(id) + "-" + std::to_string(k) + ".bin",
              v.payload + p.offset, p.size);
      }
    }
    write_bundle(out + "/bundle/" + name + "-all.bin", all);
  }
  return 0;
}
