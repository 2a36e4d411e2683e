// Interfaces declared once (Barrelfish's Flounder idea, as X-macros): a service lists
// its messages, RPCs and one-way events in one macro, and MOSAIC_DEFINE_INTERFACE
// derives from it the argument structs, their wire encoders and validating decoders,
// the client calls and the server dispatcher, for any transport a Channel is bound to.
//
// An interface list has the parameters (IFACE, MESSAGE, RPC, EVENT, F):
//   IFACE(name, id)                      the interface and its 16-bit wire id
//   MESSAGE(struct, type, F(t, n) ...)   a message type and its fixed-width fields
//   RPC(name, request, reply)            server method name(request) -> Result<reply>
//   EVENT(name, message)                 server method name(message) -> Status, no reply
// Field types: u8, u16, u32, u64, i32, i64, FixedString<N>.
#pragma once

#include <mosaic/transports/channel.hpp>
#include <mosaic/transports/rpc.hpp>

namespace mosaic::transports {

// A fixed-length, zero-padded byte string (names on the wire never carry a length word).
template <u32 N> struct FixedString {
    u8 bytes[N];
};

// Little-endian encoding of each field type (one specialisation per type).
template <typename T> struct WireCodec;

// Each field one little-endian access of its width (types.hpp), not a store per byte: a
// payload built byte by byte and then copied into a slot with wider loads cost every
// message a failed store-to-load forwarding.
template <typename T, u32 Size> struct IntCodec {
    static constexpr u16 kSize = Size;
    static u8* put(u8* p, T v) {
        if constexpr (Size == 1) p[0] = u8(v);
        else if constexpr (Size == 2) store_le16(p, u16(v));
        else if constexpr (Size == 4) store_le32(p, u32(v));
        else store_le64(p, u64(v));
        return p + Size;
    }
    static const u8* get(const u8* p, T& v) {
        if constexpr (Size == 1) v = T(p[0]);
        else if constexpr (Size == 2) v = T(load_le16(p));
        else if constexpr (Size == 4) v = T(load_le32(p));
        else v = T(load_le64(p));
        return p + Size;
    }
};
template <> struct WireCodec<u8> : IntCodec<u8, 1> {};
template <> struct WireCodec<u16> : IntCodec<u16, 2> {};
template <> struct WireCodec<u32> : IntCodec<u32, 4> {};
template <> struct WireCodec<u64> : IntCodec<u64, 8> {};
template <> struct WireCodec<i32> : IntCodec<i32, 4> {};
template <> struct WireCodec<i64> : IntCodec<i64, 8> {};

template <u32 N> struct WireCodec<FixedString<N>> {
    static constexpr u16 kSize = N;
    static u8* put(u8* p, const FixedString<N>& v) {
        for (u32 i = 0; i < N; ++i) p[i] = v.bytes[i];
        return p + N;
    }
    static const u8* get(const u8* p, FixedString<N>& v) {
        for (u32 i = 0; i < N; ++i) v.bytes[i] = p[i];
        return p + N;
    }
};

// Encoded size of a message struct (from the generated wire_size overload, found by ADL).
template <typename M> constexpr u16 wire_size_of() { return wire_size(static_cast<const M*>(nullptr)); }

// Checks that a received message is an M of this interface with exactly M's length.
template <typename M> Result<M> decode_message(const Message& m) {
    if (m.interface != M::kInterface || m.type != M::kType || m.length != wire_size_of<M>())
        return Error::Malformed;
    M out;
    decode_fields(m.payload, out);
    return out;
}

// Encodes an M into `bytes` (wire_size_of<M>() of them) and says it as an Outgoing message,
// optionally the reply to RPC `rpc_id` (for one send, or one of a send_batch).
template <typename M> Outgoing encode_message(const M& msg, u8* bytes, u32 rpc_id = 0, bool reply = false) {
    encode_fields(msg, bytes);
    return {.interface = M::kInterface, .type = M::kType, .payload = bytes, .length = wire_size_of<M>(),
            .rpc_id = rpc_id, .reply = reply};
}

// Sends an M, optionally as the reply to RPC `rpc_id`.
template <typename M>
Status send_message(Channel& ch, const M& msg, u32 rpc_id = 0, bool reply = false) {
    u8 buf[wire_size_of<M>() + 1];
    return ch.send(encode_message(msg, buf, rpc_id, reply));
}

// Sends an M as a split-phase request; the continuation receives the reply message.
template <typename M>
Result<u32> call_message(Channel& ch, PendingCalls& calls, const M& msg, ReplyFn fn, void* ctx) {
    u8 buf[wire_size_of<M>() + 1];
    encode_fields(msg, buf);
    return calls.call(ch, M::kInterface, M::kType, buf, wire_size_of<M>(), fn, ctx);
}

} // namespace mosaic::transports

// The generator: expands an interface list once per derived piece, inside the
// namespace the interface is defined in.
#define MOSAIC_DEFINE_INTERFACE(LIST)                                                      \
    LIST(MOSAIC_IF_ID, MOSAIC_IF_STRUCT, MOSAIC_IF_NOTHING, MOSAIC_IF_NOTHING,             \
         MOSAIC_IF_FIELD_MEMBER)                                                           \
    LIST(MOSAIC_IF_NOTHING, MOSAIC_IF_SIZE, MOSAIC_IF_NOTHING, MOSAIC_IF_NOTHING,          \
         MOSAIC_IF_FIELD_SIZE)                                                             \
    LIST(MOSAIC_IF_NOTHING, MOSAIC_IF_ENCODE, MOSAIC_IF_NOTHING, MOSAIC_IF_NOTHING,        \
         MOSAIC_IF_FIELD_PUT)                                                              \
    LIST(MOSAIC_IF_NOTHING, MOSAIC_IF_DECODE, MOSAIC_IF_NOTHING, MOSAIC_IF_NOTHING,        \
         MOSAIC_IF_FIELD_GET)                                                              \
    /* True for the message types this interface declares. */                             \
    inline bool is_known_type(::mosaic::u16 type) {                                        \
        switch (type) {                                                                    \
            LIST(MOSAIC_IF_NOTHING, MOSAIC_IF_KNOWN, MOSAIC_IF_NOTHING, MOSAIC_IF_NOTHING, \
                 MOSAIC_IF_NOTHING)                                                        \
            return true;                                                                   \
        default:                                                                           \
            return false;                                                                  \
        }                                                                                  \
    }                                                                                      \
    /* Server stub: validates a request or event and calls the handler's method of the */  \
    /* same name; an RPC's result is sent back as the reply. Malformed for anything */     \
    /* that is not a request or event of this interface. */                                \
    template <typename Handler>                                                            \
    ::mosaic::Status serve(::mosaic::transports::Channel& ch,                              \
                           const ::mosaic::transports::Message& m, Handler& h) {           \
        (void)ch; /* an interface of events only never replies */                         \
        (void)h;  /* and one of plain messages serves nothing */                           \
        if (m.interface != kInterfaceId || m.reply) return ::mosaic::Error::Malformed;     \
        switch (m.type) {                                                                  \
            LIST(MOSAIC_IF_NOTHING, MOSAIC_IF_NOTHING, MOSAIC_IF_SERVE_RPC,                \
                 MOSAIC_IF_SERVE_EVENT, MOSAIC_IF_NOTHING)                                 \
        default:                                                                           \
            return ::mosaic::Error::Malformed;                                             \
        }                                                                                  \
    }                                                                                      \
    /* Client stubs: one split-phase call per RPC, one send per event. */                  \
    namespace client {                                                                     \
    LIST(MOSAIC_IF_NOTHING, MOSAIC_IF_NOTHING, MOSAIC_IF_CLIENT_RPC, MOSAIC_IF_CLIENT_EVENT, \
         MOSAIC_IF_NOTHING)                                                                \
    }

#define MOSAIC_IF_NOTHING(...)
#define MOSAIC_IF_FIELD_MEMBER(t, n) t n;
#define MOSAIC_IF_FIELD_SIZE(t, n) +::mosaic::transports::WireCodec<t>::kSize
#define MOSAIC_IF_FIELD_PUT(t, n) p = ::mosaic::transports::WireCodec<t>::put(p, m.n);
#define MOSAIC_IF_FIELD_GET(t, n) p = ::mosaic::transports::WireCodec<t>::get(p, m.n);

#define MOSAIC_IF_ID(name, id) inline constexpr ::mosaic::u16 kInterfaceId = id;
#define MOSAIC_IF_STRUCT(name, type, fields)                                               \
    struct name {                                                                          \
        static constexpr ::mosaic::u16 kInterface = kInterfaceId;                          \
        static constexpr ::mosaic::u16 kType = type;                                       \
        fields                                                                             \
    };
#define MOSAIC_IF_SIZE(name, type, fields)                                                 \
    constexpr ::mosaic::u16 wire_size(const name*) { return ::mosaic::u16(0 fields); }     \
    static_assert(wire_size(static_cast<const name*>(nullptr)) <=                          \
                  ::mosaic::transports::kMaxPayload);
#define MOSAIC_IF_ENCODE(name, type, fields)                                               \
    inline void encode_fields(const name& m, ::mosaic::u8* p) {                            \
        fields(void) p;                                                                    \
        (void)m;                                                                           \
    }
#define MOSAIC_IF_DECODE(name, type, fields)                                               \
    inline void decode_fields(const ::mosaic::u8* p, name& m) {                            \
        fields(void) p;                                                                    \
        (void)m;                                                                           \
    }
#define MOSAIC_IF_KNOWN(name, type, fields) case type:
#define MOSAIC_IF_SERVE_RPC(name, request, reply)                                          \
    case request::kType: {                                                                 \
        request req = TRY(::mosaic::transports::decode_message<request>(m));               \
        reply rep = TRY(h.name(req));                                                      \
        return ::mosaic::transports::send_message(ch, rep, m.rpc_id, true);                \
    }
#define MOSAIC_IF_SERVE_EVENT(name, message)                                               \
    case message::kType:                                                                   \
        return h.name(TRY(::mosaic::transports::decode_message<message>(m)));
#define MOSAIC_IF_CLIENT_RPC(name, request, reply)                                         \
    inline ::mosaic::Result<::mosaic::u32> name(                                           \
        ::mosaic::transports::Channel& ch, ::mosaic::transports::PendingCalls& calls,      \
        const request& r, ::mosaic::transports::ReplyFn fn, void* ctx) {                   \
        return ::mosaic::transports::call_message(ch, calls, r, fn, ctx);                  \
    }
#define MOSAIC_IF_CLIENT_EVENT(name, message)                                              \
    inline ::mosaic::Status name(::mosaic::transports::Channel& ch, const message& m) {    \
        return ::mosaic::transports::send_message(ch, m);                                  \
    }
