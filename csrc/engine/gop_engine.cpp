#include "engine/gop_engine.h"

#include <algorithm>
#include <cstring>
#include <exception>
#include <functional>
#include <stdexcept>
#include <unordered_map>

#include "bundle/bundle_buffers.h"
#include "common/error.h"
#include "demux/colour_signal.h"
#include "demux/references.h"
#include "engine/parallel.h"
#include "engine/request_groups.h"
#include "gop/gop_plan.h"
#include "gop/reference_closure.h"

namespace odvd {
namespace {

// A run's packets for the decoder, one FeedPacket per decode index of run.feed.
template <typename Make>
std::vector<FeedPacket> feed_of(const DecodeRun& run, Make make) {
  std::vector<FeedPacket> feed;
  feed.reserve(run.feed.size());
  for (int32_t i : run.feed) feed.push_back(make(i));
  return feed;
}

}  // namespace

// The reference lists of an entry's packets, read from its bitstream; a reference table the entry
// carries is a claim about that bitstream and must agree with it wherever the bitstream tells.
static ReferenceLists entry_references(const bundle::EntryView& e, const std::string& context) {
  std::vector<PacketBytes> bytes;
  for (const auto& p : e.packets) bytes.emplace_back(e.payload + p.offset, p.size);
  ReferenceLists read = read_reference_lists(e.params.codec, bytes);
  if (read.empty() || e.references.empty()) return read;
  for (size_t i = 0; i < read.size(); ++i) {
    if (!read.known[i]) continue;
    const bool same = e.references.known[i] &&
                      std::equal(read.refs.begin() + read.row[i], read.refs.begin() + read.row[i + 1],
                                 e.references.refs.begin() + e.references.row[i],
                                 e.references.refs.begin() + e.references.row[i + 1]);
    if (!same) {
      throw DataError(context + ": packet " + std::to_string(i) +
                      ": the entry's reference table does not match its bitstream (a damaged or edited "
                      "bundle: make it again with GetGOP)");
    }
  }
  return read;
}

GopEngine::GopEngine(size_t maxfiles, int threads, std::shared_ptr<DecoderBackend> backend)
    : threads_(thread_count(threads)), files_(maxfiles), backend_(std::move(backend)) {}

// A target the decoder never produced is an error, never a silently missing frame.
static void require_produced(const std::vector<int64_t>& targets, const std::unordered_map<int64_t, FramePtr>& got,
                             const std::string& context) {
  for (int64_t id : targets) {
    if (!got.count(id)) {
      throw DataError(context + ": frame_id=" + std::to_string(id) +
                      " was not produced by the decoder (corrupt or undecodable data)");
    }
  }
}

// A bundle entry's header is a claim about its bitstream, which the bitstream decides: frames of
// another size or bit depth than the entry declares are an error, never frames of another shape. Checked
// on the frames every backend returns (each reports the size and depth it decoded).
static void check_declared(const std::unordered_map<int64_t, FramePtr>& got, const StreamParams& declared,
                           const std::string& context) {
  auto text = [](int32_t w, int32_t h, int32_t depth) {
    return std::to_string(w) + "x" + std::to_string(h) + " " + std::to_string(depth) + "-bit";
  };
  for (const auto& [id, f] : got) {
    if (f->width != declared.width || f->height != declared.height || f->bit_depth != declared.bit_depth) {
      throw DataError(context + ": frame_id=" + std::to_string(id) + ": the entry declares " +
                      text(declared.width, declared.height, declared.bit_depth) +
                      " but its bitstream decodes to " + text(f->width, f->height, f->bit_depth) +
                      " (a damaged or edited bundle: make it again with GetGOP)");
    }
  }
}

void GopEngine::decode_run(Decoder& dec, const DecodeRun& run, const std::vector<FeedPacket>& feed, OutputFormat out,
                           const std::string& context, const std::function<int64_t(int64_t)>& pts_of, FrameMap& got) {
  packets_fed_ += feed.size();
  dec.run(feed, run.targets, [&](int64_t id, DecodedPicture& picture) {
    if (!std::binary_search(run.targets.begin(), run.targets.end(), id) || got.count(id)) return;
    FramePtr frame = picture.frame(out);
    frame->frame_id = id;
    frame->pts = pts_of(id);
    check_intact(*backend_, *frame, context);
    got.emplace(id, std::move(frame));
  });
  require_produced(run.targets, got, context);
}

GopEngine::FrameMap GopEngine::decode_sequence(const PacketSequence& seq, const std::vector<int64_t>& targets,
                                               const StreamParams& params, OutputFormat out,
                                               const std::string& context, int decoder_threads,
                                               const std::function<int64_t(int64_t)>& pts_of,
                                               const FeedBuilder& build_feed) {
  DecoderLease dec(*backend_, params, context, decoder_threads);
  FrameMap got;
  for (DecodeRun& run : plan_runs(seq, targets)) decode_run(*dec, run, build_feed(run), out, context, pts_of, got);
  return got;
}

void GopEngine::deliver(FrameMap& got, const std::vector<size_t>& reqs, const std::vector<int64_t>& ids,
                        std::vector<FramePtr>& results) {
  for (size_t r : reqs) {
    FramePtr& f = got.at(ids[r]);
    // Duplicates get their own pixels.
    results[r] = f.use_count() == 1 ? f : backend_->copy(*f);
  }
}

void GopEngine::for_each_file(const std::vector<std::string>& paths, const std::vector<int64_t>& ids,
                              const FileTask& task) {
  const auto groups = group_by(paths);
  const Split sp = split_threads(threads_, groups.size());
  parallel_for(groups.size(), sp.workers, [&](size_t g) {
    const std::vector<size_t>& reqs = groups[g];
    std::shared_ptr<GopReader> reader = files_.get(paths[reqs.front()]);
    auto lock = reader->lock();
    const StreamIndex& index = reader->file().index();
    for (size_t r : reqs) index.sample_of_frame(ids[r]);  // IndexError naming the file and the valid range
    task(*reader, reqs, sp);
  });
}

// Runs are the tasks: every run of every file of the call is decoded on a decoder of its own, so a
// file's GOPs decode in parallel as well as the files (engine/parallel.h shares the threads out).
std::vector<FramePtr> GopEngine::decode_files(const std::vector<std::string>& paths,
                                              const std::vector<int64_t>& ids, OutputFormat out) {
  // Each file opened, indexed, its ids checked and its targets planned (files in parallel). A file that
  // fails keeps its error, thrown by its first task below so that a call fails on its first bad request.
  struct FilePlan {
    std::shared_ptr<GopReader> reader;
    std::vector<DecodeRun> runs;
    std::exception_ptr error;
  };
  const auto groups = group_by(paths);
  std::vector<FilePlan> plans(groups.size());
  parallel_for(groups.size(), std::min<int>(threads_, static_cast<int>(groups.size())), [&](size_t g) {
    FilePlan& plan = plans[g];
    try {
      plan.reader = files_.get(paths[groups[g].front()]);
      auto lock = plan.reader->lock();
      const StreamIndex& index = plan.reader->file().index();
      std::vector<int64_t> targets;
      for (size_t r : groups[g]) {
        index.sample_of_frame(ids[r]);  // IndexError naming the file and the valid range
        targets.push_back(ids[r]);
      }
      // With more than one thread, adjacent GOPs stay separate runs: they decode in parallel.
      plan.runs = plan_runs(plan.reader->sequence(), targets, /*join_adjacent=*/threads_ < 2);
    } catch (...) {
      plan.error = std::current_exception();
    }
  });

  struct RunTask {
    size_t group;
    size_t run;  // unused for a file that failed
  };
  std::vector<RunTask> tasks;
  for (size_t g = 0; g < plans.size(); ++g) {
    if (plans[g].error) tasks.push_back({g, 0});
    for (size_t r = 0; !plans[g].error && r < plans[g].runs.size(); ++r) tasks.push_back({g, r});
  }
  std::vector<FrameMap> got(tasks.size());
  const Split sp = split_threads(threads_, tasks.size());
  parallel_for(tasks.size(), sp.workers, [&](size_t t) {
    FilePlan& plan = plans[tasks[t].group];
    if (plan.error) std::rethrow_exception(plan.error);
    GopReader& reader = *plan.reader;
    const VideoFile& file = reader.file();
    const StreamIndex& index = file.index();
    DecodeRun& run = plan.runs[tasks[t].run];
    std::vector<ff::PacketPtr> packets;  // the run's, alive while it decodes
    std::vector<FeedPacket> feed;
    {
      auto lock = reader.lock();
      const PacketSequence& seq = reader.sequence();
      packets = reader.read_samples(run.start, run.last);
      select_feed(seq, run);  // with the non-reference flags learned from these packets
      if (reference_closure_) {
        std::vector<PacketBytes> bytes;
        for (const auto& p : packets) bytes.emplace_back(p->data, static_cast<size_t>(p->size));
        select_closure_feed(seq, read_reference_lists(file.params().codec, bytes), run.start, run);
      }
      feed = feed_of(run, [&](int32_t i) {
        FeedPacket f;
        f.packet = packets[i - run.start].get();
        f.frame_id = seq[i].frame_id;
        f.key = seq[i].flags & kSampleKey;
        return f;
      });
    }
    const std::string context = "'" + file.path() + "'";
    DecoderLease dec(*backend_, file.params(), context, sp.decoder_threads);
    decode_run(*dec, run, feed, out, context,
               [&](int64_t id) { return index.samples()[index.sample_of_frame(id)].pts; }, got[t]);
  });

  std::vector<FramePtr> results(paths.size());
  for (size_t t = 0, g = 0; g < groups.size(); ++g) {
    FrameMap all;
    for (; t < tasks.size() && tasks[t].group == g; ++t) all.merge(got[t]);
    deliver(all, groups[g], ids, results);
  }
  return results;
}

std::vector<FramePtr> GopEngine::decode_entries(const std::vector<bundle::EntryView>& entries,
                                                const std::vector<std::string>& paths,
                                                const std::vector<int64_t>& ids, OutputFormat out,
                                                bool reference_closure) {
  auto holds = [&](const bundle::EntryView& e, int64_t id) {
    return id >= e.first_frame_id && id < e.first_frame_id + static_cast<int64_t>(e.gop_len);
  };
  // Each request goes to the entry of its own file (the path the bundle was made from) holding its
  // frame, and to no other: an entry of another file is never a stand-in, even where the frame ids fit.
  // The entry at the request's own position is tried first (GetGOP writes one entry per request).
  std::vector<size_t> entry_of(paths.size());
  for (size_t r = 0; r < paths.size(); ++r) {
    size_t found = entries.size();
    if (r < entries.size() && entries[r].source_path == paths[r] && holds(entries[r], ids[r])) found = r;
    for (size_t k = 0; found == entries.size() && k < entries.size(); ++k) {
      if (entries[k].source_path == paths[r] && holds(entries[k], ids[r])) found = k;
    }
    if (found == entries.size()) {
      std::string have;
      for (size_t k = 0; k < entries.size() && k < 8; ++k) {
        have += (k ? ", " : "") + std::string("'") + entries[k].source_path + "' [" +
                std::to_string(entries[k].first_frame_id) + ", " +
                std::to_string(entries[k].first_frame_id + entries[k].gop_len) + ")";
      }
      throw NotInBundle("frame_id=" + std::to_string(ids[r]) + " of '" + paths[r] + "' is in none of the " +
                        std::to_string(entries.size()) + " GOPs of the bundle (" + have + ")");
    }
    entry_of[r] = found;
  }
  const auto groups = group_by(entry_of);
  const Split sp = split_threads(threads_, groups.size());
  std::vector<FramePtr> results(paths.size());
  parallel_for(groups.size(), sp.workers, [&](size_t g) {
    const std::vector<size_t>& reqs = groups[g];
    const bundle::EntryView& e = entries[entry_of[reqs.front()]];
    std::vector<PlanItem> items;
    std::unordered_map<int64_t, int64_t> pts;
    for (const auto& p : e.packets) {
      items.push_back({p.frame_id, p.flags});
      pts[p.frame_id] = p.pts;
    }
    const PacketSequence seq(std::move(items));
    std::vector<int64_t> targets;
    for (size_t r : reqs) targets.push_back(ids[r]);
    // The colour the stream signals (bundles of older versions carry only the container's tags).
    StreamParams params = e.params;
    if (!e.packets.empty()) apply_signalled_colour(params, e.payload + e.packets[0].offset, e.packets[0].size);
    const std::string context = "bundle entry " + std::to_string(entry_of[reqs.front()]) + " ('" + e.source_path + "')";
    const ReferenceLists lists = reference_closure ? entry_references(e, context) : ReferenceLists{};
    FrameMap got = decode_sequence(
        seq, targets, params, out, context, sp.decoder_threads,
        [&](int64_t id) { return pts.at(id); },
        [&](DecodeRun& run) {
          select_closure_feed(seq, lists, 0, run);
          return feed_of(run, [&](int32_t i) {
            FeedPacket f;
            f.data = e.payload + e.packets[i].offset;
            f.size = e.packets[i].size;
            f.frame_id = e.packets[i].frame_id;
            f.key = e.packets[i].flags & kSampleKey;
            return f;
          });
        });
    check_declared(got, e.params, context);
    deliver(got, reqs, ids, results);
  });
  return results;
}

std::vector<FramePtr> GopEngine::decode_packet_lists(const std::vector<PacketList>& lists, OutputFormat out) {
  const Split sp = split_threads(threads_, lists.size());
  std::vector<FramePtr> results(lists.size());
  parallel_for(lists.size(), sp.workers, [&](size_t i) {
    const PacketList& l = lists[i];
    const std::string context = "packet list " + std::to_string(i);
    std::vector<PlanItem> items;
    for (size_t k = 0; k < l.packets.size(); ++k) items.push_back({l.frame_ids[k], k == 0 ? kSampleKey : 0u});
    const PacketSequence seq(std::move(items));
    StreamParams params;
    params.codec = l.codec;
    params.width = l.width;
    params.height = l.height;
    apply_signalled_colour(params, l.packets[0].first, l.packets[0].second);
    FrameMap got = decode_sequence(
        seq, {l.target}, params, out, context, sp.decoder_threads, [](int64_t id) { return id; },
        [&](DecodeRun& run) {
          return feed_of(run, [&](int32_t k) {
            FeedPacket f;
            f.data = l.packets[k].first;
            f.size = l.packets[k].second;
            f.frame_id = l.frame_ids[k];
            f.key = k == 0;
            return f;
          });
        });
    FramePtr f = got.at(l.target);
    if (f->width != l.width || f->height != l.height) {
      throw std::invalid_argument(context + ": decoded frame is " + std::to_string(f->width) + "x" +
                                  std::to_string(f->height) + " but widths/heights say " + std::to_string(l.width) +
                                  "x" + std::to_string(l.height));
    }
    results[i] = f;
  });
  return results;
}

void GopEngine::prefetch(const std::vector<std::string>& keys) {
  parallel_for(keys.size(), threads_, [&](size_t i) {
    try {
      files_.get(keys[i]);
    } catch (const std::exception&) {
      // Raised again, as its proper Python type, by the call that asks for the file next.
    }
  });
}

void GopEngine::release_memory() {
  backend_->release_memory();
  bundle::trim_buffers();
}

}  // namespace odvd
