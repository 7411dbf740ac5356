"""Decoding packets you hold yourself: ParseSerializedPacketBundle -> per-packet arrays ->
DecodeFromPacketListInitialize -> DecodeFromPacketListRGB.

This is the path for packets from another demuxer or storage format: each frame to decode comes as
a list of packet arrays in decode order, starting at a key frame, with the frame id each packet
produces (-1 for none). Here they are cut out of a GetGOP bundle.

    python samples/SampleDecodeFromBinaryData.py [videos...] [--gpu N]
"""

import random
import sys

import numpy as np

import on_demand_video_decoder as nvc
from sample_common import FrameLog, frame_counts, parse_args


def split_packets(payload: np.ndarray, packet_sizes) -> list:
    """One array per packet: views of the entry's payload, which holds the packets back to back."""
    bounds = np.cumsum([0, *packet_sizes])
    return [payload[bounds[k]:bounds[k + 1]] for k in range(len(packet_sizes))]


def main(argv=None) -> int:
    args = parse_args(__doc__, argv)
    videos = args.videos
    counts = frame_counts(videos)
    decoder = nvc.PyNvGopDecoder(maxfiles=len(videos), iGpu=args.gpu)
    rng = random.Random(args.seed)
    log = FrameLog(args.out)
    for step in range(args.steps):
        frame_ids = [rng.randrange(n) for n in counts]
        packets, _, _ = decoder.GetGOP(videos, frame_ids)
        (color_ranges, codec_ids, widths, heights, frame_sizes, gop_lens, first_frame_ids,
         payloads, payload_sizes, packets_bytes, decode_idxs) = decoder.ParseSerializedPacketBundle(packets)
        packet_lists = [split_packets(p, sizes) for p, sizes in zip(payloads, packets_bytes)]
        print(f"step {step}: codecs {[nvc.Codec(c).name for c in codec_ids]}, "
              f"packets per frame {[len(p) for p in packet_lists]}")
        decoder.DecodeFromPacketListInitialize(codec_ids)
        frames = decoder.DecodeFromPacketListRGB(packet_lists, decode_idxs, widths, heights, frame_ids, as_bgr=False)
        log.add(videos, frame_ids, frames)
    log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
