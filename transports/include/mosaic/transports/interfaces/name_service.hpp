// The name service interface: register a service name for an endpoint, look it up.
// Names are fixed 32-byte, zero-padded strings; status fields carry mosaic::Error values.
#pragma once

#include <mosaic/transports/interface.hpp>

namespace mosaic::ifaces::name_service {
using ServiceName = transports::FixedString<32>;
} // namespace mosaic::ifaces::name_service

// clang-format off
#define MOSAIC_NAME_SERVICE_INTERFACE(IFACE, MESSAGE, RPC, EVENT, F)                          \
    IFACE(name_service, 0x0002)                                                               \
    MESSAGE(register_request, 1, F(ServiceName, name) F(u32, core) F(u64, endpoint))          \
    MESSAGE(register_reply, 2, F(u16, status))                                                \
    MESSAGE(lookup_request, 3, F(ServiceName, name))                                          \
    MESSAGE(lookup_reply, 4, F(u16, status) F(u32, core) F(u64, endpoint))                    \
    RPC(register_name, register_request, register_reply)                                      \
    RPC(lookup, lookup_request, lookup_reply)
// clang-format on

namespace mosaic::ifaces::name_service {
using namespace mosaic;
MOSAIC_DEFINE_INTERFACE(MOSAIC_NAME_SERVICE_INTERFACE)
} // namespace mosaic::ifaces::name_service
