// A test-only interface for the stub and decoder tests: a directory that registers a
// 32-byte, zero-padded name for an endpoint and looks it up (fixed-string fields, RPCs with
// status fields). Not a service of the system: the board's names are the monitors'
// (monitor/names.cpp, over intermon queries).
#pragma once

#include <mosaic/transports/interface.hpp>

namespace mosaic::ifaces::directory {
using ServiceName = transports::FixedString<32>;
} // namespace mosaic::ifaces::directory

// clang-format off
#define MOSAIC_DIRECTORY_INTERFACE(IFACE, MESSAGE, RPC, EVENT, F)                          \
    IFACE(directory, 0x0002)                                                               \
    MESSAGE(register_request, 1, F(ServiceName, name) F(u32, core) F(u64, endpoint))          \
    MESSAGE(register_reply, 2, F(u16, status))                                                \
    MESSAGE(lookup_request, 3, F(ServiceName, name))                                          \
    MESSAGE(lookup_reply, 4, F(u16, status) F(u32, core) F(u64, endpoint))                    \
    RPC(register_name, register_request, register_reply)                                      \
    RPC(lookup, lookup_request, lookup_reply)
// clang-format on

namespace mosaic::ifaces::directory {
using namespace mosaic;
MOSAIC_DEFINE_INTERFACE(MOSAIC_DIRECTORY_INTERFACE)
} // namespace mosaic::ifaces::directory
