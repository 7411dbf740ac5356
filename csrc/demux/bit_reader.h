// A bounded MSB-first bit reader for parameter-set parsing (colour_signal.cpp). Every read is
// checked against the end of the buffer; a read past it, or a value out of the range the caller
// allows, clears ok() and returns 0, and every later read then returns 0 too. No exceptions.
#pragma once

#include <cstddef>
#include <cstdint>

namespace odvd::bitstream {

class BitReader {
 public:
  BitReader(const uint8_t* data, size_t size)
      : data_(data), bits_((size < (SIZE_MAX >> 3) ? size : (SIZE_MAX >> 3)) * 8) {}

  bool ok() const { return ok_; }
  void fail() { ok_ = false; }
  size_t bits_left() const { return ok_ ? bits_ - pos_ : 0; }

  // n bits (0..32) as an unsigned integer: H.264/HEVC u(n), AV1 f(n), VP9 f(n).
  uint32_t u(int n) {
    if (!ok_ || n < 0 || n > 32 || static_cast<size_t>(n) > bits_ - pos_) return fail_zero();
    uint32_t v = 0;
    for (int i = 0; i < n; ++i, ++pos_) v = (v << 1) | ((data_[pos_ >> 3] >> (7 - (pos_ & 7))) & 1u);
    return v;
  }
  bool flag() { return u(1) != 0; }

  // Skips n bits (bounded like a read).
  void skip(size_t n) {
    if (!ok_ || n > bits_ - pos_) {
      fail_zero();
      return;
    }
    pos_ += n;
  }

  // Exp-Golomb ue(v) (H.264 9.1, H.265 9.2): at most 31 leading zero bits (values up to 2^32 - 2);
  // more, or a value above `max`, is malformed.
  uint32_t ue(uint32_t max = 0xfffffffeu) {
    int zeros = 0;
    while (ok_ && u(1) == 0) {
      if (++zeros > 31) return fail_zero();
    }
    if (!ok_) return 0;
    const uint64_t v = (uint64_t{1} << zeros) - 1 + u(zeros);
    if (!ok_ || v > max) return fail_zero();
    return static_cast<uint32_t>(v);
  }

  // Signed Exp-Golomb se(v) (H.264 9.1.1), bounded to [min, max].
  int32_t se(int32_t min, int32_t max) {
    const uint32_t k = ue();
    if (!ok_) return 0;
    const int64_t v = (k & 1) ? (int64_t{k} + 1) / 2 : -(int64_t{k} / 2);
    if (v < min || v > max) return static_cast<int32_t>(fail_zero());
    return static_cast<int32_t>(v);
  }

  // AV1 uvlc() (AV1 4.10.3). 32 or more leading zeros (the spec's 2^32 - 1 escape, which no
  // encoder writes) is treated as malformed.
  uint32_t uvlc() {
    int zeros = 0;
    while (ok_ && u(1) == 0) {
      if (++zeros >= 32) return fail_zero();
    }
    if (!ok_) return 0;
    const uint64_t v = u(zeros) + (uint64_t{1} << zeros) - 1;
    return ok_ ? static_cast<uint32_t>(v) : 0;
  }

 private:
  uint32_t fail_zero() {
    ok_ = false;
    return 0;
  }

  const uint8_t* data_;
  size_t bits_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace odvd::bitstream
