// The console service's protocol (userland/programs/console.cpp), in LMP messages of four
// words, declared once. Programs never talk to it directly: they give their text to their
// monitor (monitor::api::kPrint), and the monitors bring it to the service of their node.
//   kWrite    word 0: op | len << 8 (at most kWriteBytes) | source << 32; words 1-3: the
//             bytes. The service keeps a line per (sender, source) and writes it whole.
//   kFlush    word 0: op; answered kFlushed once everything sent before it is written.
//   kRead     word 0: op (from a program of the service's core, which its monitor names:
//             monitor::api::kConsole); answered, once a whole line came in, by kInput
//             messages of up to kWriteBytes each, the last one with len | kLast. A line holds
//             at most kLineMax bytes before its newline: a longer one is dropped whole (what
//             follows its kLineMax-th byte is neither kept nor echoed, up to its newline) and
//             answered by an empty kInput with kLast | kCut, so that no part of it is taken
//             for a line of its own. One reader at a time: a second one gets an empty kInput
//             with kRefused.
#pragma once

#include <mosaic/types.hpp>

namespace mosaic::console {

enum Op : u64 { kWrite = 1, kFlush = 2, kFlushed = 3, kRead = 4, kInput = 5 };
inline constexpr u32 kWriteBytes = 24;
inline constexpr u64 kLast = 0x80;     // or-ed into a kInput's len: the line ends here
inline constexpr u64 kRefused = 0x40;  // or-ed into a kInput's len: another reader waits already
inline constexpr u64 kCut = 0x20;      // or-ed into a kInput's len: the line was longer than kLineMax
inline constexpr u32 kLenMask = 0x1f;  // a kInput's byte count (at most kWriteBytes) under its flags
static_assert(kWriteBytes <= kLenMask);
inline constexpr u32 kLineMax = 240;

constexpr u64 word0(Op op, u64 len = 0, u64 source = 0) { return u64(op) | (len & 0xff) << 8 | source << 32; }
constexpr Op op_of(u64 w0) { return Op(w0 & 0xff); }
constexpr u32 len_of(u64 w0) { return u32((w0 >> 8) & 0xff); }
constexpr u32 source_of(u64 w0) { return u32(w0 >> 32); }

// Up to kWriteBytes of text into words 1-3 and back.
inline void pack(const char* s, u32 n, u64 (&w)[4]) {
    w[1] = w[2] = w[3] = 0;
    for (u32 i = 0; i < n && i < kWriteBytes; ++i) w[1 + i / 8] |= u64(u8(s[i])) << (8 * (i % 8));
}
inline void unpack(const u64* words, u32 n, char* out) {
    for (u32 i = 0; i < n && i < kWriteBytes; ++i) out[i] = char(words[i / 8] >> (8 * (i % 8)));
}

} // namespace mosaic::console
