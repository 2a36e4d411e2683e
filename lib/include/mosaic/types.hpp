// Fixed-width integer types and tiny helpers shared by every Mosaic component,
// freestanding (board code) and hosted (host tests and tools) alike.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace mosaic {

using u8 = uint8_t;
using u16 = uint16_t;
using u32 = uint32_t;
using u64 = uint64_t;
using i8 = int8_t;
using i16 = int16_t;
using i32 = int32_t;
using i64 = int64_t;
using usize = size_t;
using uptr = uintptr_t;

// Moves a value (std::move without <utility>, which freestanding builds lack).
template <typename T> struct RemoveRef { using Type = T; };
template <typename T> struct RemoveRef<T&> { using Type = T; };
template <typename T> struct RemoveRef<T&&> { using Type = T; };
template <typename T> constexpr typename RemoveRef<T>::Type&& move(T&& v) noexcept {
    return static_cast<typename RemoveRef<T>::Type&&>(v);
}

template <typename T> constexpr T min(T a, T b) { return a < b ? a : b; }
template <typename T> constexpr T max(T a, T b) { return a < b ? b : a; }

// Rounds v up to a multiple of the power of two a.
constexpr u64 align_up(u64 v, u64 a) { return (v + a - 1) & ~(a - 1); }
constexpr bool is_pow2(u64 v) { return v != 0 && (v & (v - 1)) == 0; }

// Little-endian loads and stores at any alignment: the wire and image formats
// are little-endian on every ISA, and big-endian formats (the DTB) use the be_ forms.
// On a little-endian target each is one native access of the field's width (a byte-wise
// store of a word cost URPC's send path a dozen stores into the shared slot and the next
// wider load of the same bytes a failed store-to-load forwarding); an ISA without fast
// misaligned access gets byte accesses from the compiler where the address may be
// misaligned. Each field is read once either way.
template <typename T> inline T load_native(const u8* p) {
    T v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}
template <typename T> inline void store_native(u8* p, T v) { __builtin_memcpy(p, &v, sizeof v); }
inline constexpr bool kLittleEndian = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;
inline u16 load_le16(const u8* p) {
    if constexpr (kLittleEndian) return load_native<u16>(p);
    return u16(p[0] | (p[1] << 8));
}
inline u32 load_le32(const u8* p) {
    if constexpr (kLittleEndian) return load_native<u32>(p);
    return u32(p[0]) | u32(p[1]) << 8 | u32(p[2]) << 16 | u32(p[3]) << 24;
}
inline u64 load_le64(const u8* p) {
    if constexpr (kLittleEndian) return load_native<u64>(p);
    return u64(load_le32(p)) | u64(load_le32(p + 4)) << 32;
}
inline void store_le16(u8* p, u16 v) {
    if constexpr (kLittleEndian) return store_native(p, v);
    p[0] = u8(v), p[1] = u8(v >> 8);
}
inline void store_le32(u8* p, u32 v) {
    if constexpr (kLittleEndian) return store_native(p, v);
    for (int i = 0; i < 4; ++i) p[i] = u8(v >> (8 * i));
}
inline void store_le64(u8* p, u64 v) {
    if constexpr (kLittleEndian) return store_native(p, v);
    for (int i = 0; i < 8; ++i) p[i] = u8(v >> (8 * i));
}
inline u32 load_be32(const u8* p) { return u32(p[0]) << 24 | u32(p[1]) << 16 | u32(p[2]) << 8 | u32(p[3]); }
inline u64 load_be64(const u8* p) { return u64(load_be32(p)) << 32 | load_be32(p + 4); }

} // namespace mosaic
