// The wire format: exact byte layout, encode/decode round trips, frame validation.
#include "helpers.hpp"

#include <doctest.h>
#include <mosaic/transports/reassembler.hpp>

using namespace test;

TEST_CASE("the slot layout is fixed: header 16 bytes, 40 payload bytes, sequence word at 56") {
    CHECK(sizeof(UrpcSlot) == 64);
    CHECK(offsetof(UrpcSlot, seq) == 56);
    CHECK(sizeof(Frame) == 56);
    CHECK(sizeof(LmpMessage) == 56);
    CHECK(field::kPayload + kFramePayload == kSlotSeqOffset);
}

TEST_CASE("a frame encodes to the exact golden bytes") {
    const u8 payload[3] = {'A', 'B', 'C'};
    Frame f;
    Outgoing m{.interface = 0x1234, .type = 0x56, .payload = payload, .length = 3,
               .rpc_id = 0xA1B2C3D4, .reply = true};
    REQUIRE(encode_message(m, 0x01020304, &f, 1).value() == 1);
    const u8 golden[56] = {0x34, 0x12, 0x56, 0x00, 0x03, 0x00, 0x00, 0x07, // id, type, len, frag, flags
                           0x04, 0x03, 0x02, 0x01, 0xD4, 0xC3, 0xB2, 0xA1, // seq, rpc id
                           'A',  'B',  'C'};                                 // payload, zero tail
    CHECK(memcmp(f.bytes, golden, sizeof golden) == 0);
}

TEST_CASE("the second fragment carries index 1 and only the last flag") {
    std::string s = pattern(41, 1);
    Frame f[2];
    REQUIRE(encode_message(text_message(9, s), 5, f, 2).value() == 2);
    CHECK(f[0].bytes[field::kFragment] == 0);
    CHECK(f[0].bytes[field::kFlags] == kFlagFirst);
    CHECK(f[1].bytes[field::kFragment] == 1);
    CHECK(f[1].bytes[field::kFlags] == kFlagLast);
    CHECK(f[1].bytes[field::kPayload] == u8(s[40]));
    for (u32 i = 1; i < kFramePayload; ++i) CHECK(f[1].bytes[field::kPayload + i] == 0);
}

TEST_CASE("messages of every size round-trip through encode and reassembly") {
    Reassembler r;
    Message out;
    u32 seq = 0;
    for (u32 len : {0u, 1u, 39u, 40u, 41u, 80u, 81u, 200u, 479u, 480u}) {
        std::string s = pattern(len, len);
        Frame f[kMaxFragments];
        Outgoing m = text_message(u16(len % 255 + 1), s, 0xBEEF);
        m.rpc_id = len;
        u32 n = encode_message(m, seq, f, kMaxFragments).value();
        CHECK(n == fragment_count(len));
        for (u32 i = 0; i + 1 < n; ++i) CHECK(r.accept(f[i], out).error() == Error::WouldBlock);
        REQUIRE(r.accept(f[n - 1], out).ok());
        CHECK(out.interface == 0xBEEF);
        CHECK(out.type == len % 255 + 1);
        CHECK(out.seq == seq++);
        CHECK(out.rpc_id == len);
        CHECK(payload_of(out) == s);
    }
    CHECK(r.rejected() == 0);
}

// encode_single (the one-frame fast path, its own header word and short copies) writes the
// same 56 bytes as the general encoder, for every length a frame holds; each payload lies in
// a heap block of exactly its length, so that AddressSanitizer sees any read past it.
TEST_CASE("the one-frame encoder writes the general encoder's bytes for every length") {
    for (u32 len = 0; len <= kFramePayload; ++len)
        for (bool reply : {false, true}) {
            std::vector<u8> payload(len);
            for (u32 i = 0; i < len; ++i) payload[i] = u8(0xa0 + i);
            Outgoing m{.interface = 0x1234, .type = u16(len + 1), .payload = payload.data(), .length = u16(len),
                       .rpc_id = 0xcafe0000 + len, .reply = reply};
            u8 fast[kFrameBytes], general[kFrameBytes];
            memset(fast, 0xee, sizeof fast);
            memset(general, 0x11, sizeof general);
            encode_single(m, 77 + len, fast);
            encode_fragment(m, 77 + len, 0, general);
            CHECK_MESSAGE(memcmp(fast, general, kFrameBytes) == 0, "length ", len, " reply ", reply);
        }
}

// is_single_frame is check_outgoing's rule plus the one-frame bound, said in two compares of
// the interface-and-type word: every type against every interface's edges, lengths around
// the bound. encode_if_single writes what encode_single writes for a message it takes and
// nothing at all for one it refuses.
TEST_CASE("the checked one-frame encoder takes exactly the valid one-frame messages") {
    const u8 payload[kMaxPayload + 1] = {1, 2, 3};
    u32 taken = 0;
    for (u32 type = 0; type <= 0xffff; ++type)
        for (u16 iface : {u16(0), u16(1), u16(0x7fff), u16(0xffff)})
            for (u16 len : {u16(0), u16(1), u16(39), u16(40), u16(41), u16(480), u16(481), u16(0xffff)}) {
                if (len == 0xffff && type > 300) continue; // enough of the absurd lengths
                Outgoing m{.interface = iface, .type = u16(type), .payload = payload, .length = len,
                           .rpc_id = type, .reply = (type & 1) != 0}; // a refused one's payload is never read
                const bool valid = check_outgoing(m).ok() && len <= kFramePayload;
                if (is_single_frame(m) != valid) FAIL_CHECK("is_single_frame: type ", type, " iface ", iface, " length ", len);
                u8 checked[kFrameBytes], plain[kFrameBytes];
                memset(checked, 0x5a, sizeof checked);
                memset(plain, 0x5a, sizeof plain);
                if (encode_if_single(m, 9, checked) != valid) FAIL_CHECK("encode_if_single: type ", type, " length ", len);
                if (valid) {
                    encode_single(m, 9, plain);
                    ++taken;
                }
                if (memcmp(checked, plain, kFrameBytes) != 0) FAIL_CHECK("bytes: type ", type, " length ", len);
            }
    CHECK(taken == 255 * 4 * 4); // types 1..255, four interfaces, four lengths up to 40
}

TEST_CASE("the encoder refuses what the wire cannot carry") {
    std::string big(kMaxPayload + 1, 'x');
    Frame f[kMaxFragments];
    CHECK(encode_message(text_message(1, big), 0, f, kMaxFragments).error() == Error::OutOfRange);
    CHECK(encode_message(text_message(0, "a"), 0, f, kMaxFragments).error() == Error::InvalidArgument);
    CHECK(encode_message(text_message(256, "a"), 0, f, kMaxFragments).error() == Error::InvalidArgument);
    CHECK(encode_message(text_message(1, pattern(41, 0)), 0, f, 1).error() == Error::CapacityExceeded);
}

// Encodes a one-frame message, lets `corrupt` change a byte, and decodes it.
static Error decode_corrupted(void (*corrupt)(Frame&)) {
    Frame f;
    REQUIRE(encode_message(text_message(3, "hi"), 0, &f, 1).ok());
    corrupt(f);
    return decode_frame(f).error();
}

TEST_CASE("single-frame validation rejects each kind of malformed header") {
    CHECK(decode_corrupted([](Frame&) {}) == Error::Ok);
    CHECK(decode_corrupted([](Frame& f) { store_le16(f.bytes + field::kType, 0); }) == Error::Malformed);
    CHECK(decode_corrupted([](Frame& f) { store_le16(f.bytes + field::kType, 256); }) == Error::Malformed);
    CHECK(decode_corrupted([](Frame& f) { store_le16(f.bytes + field::kLength, 481); }) == Error::Malformed);
    CHECK(decode_corrupted([](Frame& f) { f.bytes[field::kFlags] |= 0x80; }) == Error::Malformed);
    CHECK(decode_corrupted([](Frame& f) { f.bytes[field::kFlags] = kFlagLast; }) == Error::Malformed);
    CHECK(decode_corrupted([](Frame& f) { f.bytes[field::kFlags] = kFlagFirst; }) == Error::Malformed);
    CHECK(decode_corrupted([](Frame& f) { f.bytes[field::kFragment] = 1; }) == Error::Malformed);
    // Claiming 41 bytes makes a single frame "first but not last": the last flag is wrong.
    CHECK(decode_corrupted([](Frame& f) { store_le16(f.bytes + field::kLength, 41); }) == Error::Malformed);
}

// Three fragments of one 100-byte message with sequence `seq`.
static void three_fragments(Frame* f, u32 seq, const std::string& s) {
    REQUIRE(encode_message(text_message(4, s), seq, f, 3).value() == 3);
}

TEST_CASE("fragments out of order, duplicated or from another message are rejected, then recovery") {
    std::string s = pattern(100, 3);
    Frame f[3];
    Message out;
    Reassembler r;
    three_fragments(f, 0, s);
    u32 next_seq = 1; // The sender's next message number after the broken one.
    SUBCASE("swapped") {
        CHECK(r.accept(f[0], out).error() == Error::WouldBlock);
        CHECK(r.accept(f[2], out).error() == Error::Malformed);
        CHECK(r.accept(f[1], out).error() == Error::Malformed); // Nothing is being collected.
    }
    SUBCASE("duplicated") {
        CHECK(r.accept(f[0], out).error() == Error::WouldBlock);
        CHECK(r.accept(f[1], out).error() == Error::WouldBlock);
        CHECK(r.accept(f[1], out).error() == Error::Malformed);
    }
    SUBCASE("continuation with a different header") {
        CHECK(r.accept(f[0], out).error() == Error::WouldBlock);
        Frame g = f[1];
        store_le16(g.bytes + field::kInterface, 99);
        CHECK(r.accept(g, out).error() == Error::Malformed);
    }
    SUBCASE("a new message interrupts an unfinished one") {
        CHECK(r.accept(f[0], out).error() == Error::WouldBlock);
        Frame g[3];
        three_fragments(g, 1, s);
        CHECK(r.accept(g[0], out).error() == Error::Malformed);
        CHECK(r.accept(g[1], out).error() == Error::WouldBlock);
        REQUIRE(r.accept(g[2], out).ok());
        CHECK(out.seq == 1);
        next_seq = 2;
    }
    CHECK(r.rejected() >= 1);
    // The receiver keeps working: the next well-formed message arrives intact.
    std::string t = pattern(100, 4);
    Frame next[3];
    three_fragments(next, next_seq, t);
    CHECK(r.accept(next[0], out).error() == Error::WouldBlock);
    CHECK(r.accept(next[1], out).error() == Error::WouldBlock);
    REQUIRE(r.accept(next[2], out).ok());
    CHECK(out.seq == next_seq);
    CHECK(payload_of(out) == t);
}

TEST_CASE("a sequence gap or repeat is rejected and the receiver resynchronises") {
    Reassembler r;
    Message out;
    Frame f;
    REQUIRE(encode_message(text_message(1, "a"), 0, &f, 1).ok());
    CHECK(r.accept(f, out).ok());
    CHECK(r.accept(f, out).error() == Error::Malformed); // Repeat of seq 0.
    REQUIRE(encode_message(text_message(1, "b"), 5, &f, 1).ok());
    CHECK(r.accept(f, out).error() == Error::Malformed); // Gap: 1 expected.
    REQUIRE(encode_message(text_message(1, "c"), 6, &f, 1).ok());
    REQUIRE(r.accept(f, out).ok());
    CHECK(payload_of(out) == "c");
    CHECK(r.rejected() == 2);
}

TEST_CASE("the sequence number wraps around at 2^32") {
    Reassembler r;
    Message out;
    Frame f;
    for (u32 seq = 0; seq < 3; ++seq) {
        REQUIRE(encode_message(text_message(1, "x"), seq, &f, 1).ok());
        REQUIRE(r.accept(f, out).ok());
    }
    // Drive the expected number to 0xFFFFFFFF through a resync, then cross the wrap.
    REQUIRE(encode_message(text_message(1, "x"), 0xFFFFFFFEu, &f, 1).ok());
    CHECK(r.accept(f, out).error() == Error::Malformed);
    for (u32 seq : {0xFFFFFFFFu, 0u, 1u}) {
        REQUIRE(encode_message(text_message(1, "x"), seq, &f, 1).ok());
        CHECK(r.accept(f, out).ok());
    }
}

// The reassembler's one-frame fast path copies a frame straight into a Message and checks
// its header word (reassembler.hpp): every header byte value that matters, around the
// limits, gets the verdict check_header's rule gives, and an accepted message carries the
// header's fields and the payload.
TEST_CASE("the one-frame fast path gives check_header's verdict for every header shape") {
    const u16 types[] = {0, 1, 2, 254, 255, 256, 0x1ff, 0xffff};
    const u16 lengths[] = {0, 1, 39, 40, 41, 80, 480, 481, 0xffff};
    const u8 fragments[] = {0, 1, 2, 11, 255};
    u32 accepted = 0, rejected = 0;
    for (u16 type : types)
        for (u16 length : lengths)
            for (u8 fragment : fragments)
                for (u32 flags = 0; flags < 256; ++flags) {
                    u8 frame[kFrameBytes];
                    for (u32 i = 0; i < kFrameBytes; ++i) frame[i] = u8(i * 7 + flags);
                    FrameHeader h{.interface = 0x4321, .type = type, .length = length, .fragment = fragment,
                                  .flags = u8(flags), .seq = 0, .rpc_id = 0xdeadbeef};
                    encode_header(h, frame);
                    // A whole message: a valid header of fragment 0 that is also the last one.
                    bool valid = check_header(h).ok() && fragment == 0 && (flags & kFlagLast) != 0;
                    Reassembler r;
                    Message m;
                    Status s = r.accept(frame, m);
                    CHECK_MESSAGE(s.ok() == valid, "type ", type, " length ", length, " fragment ", int(fragment),
                                  " flags ", flags);
                    if (!valid) {
                        // A valid first fragment waits for more; anything else (a later
                        // fragment with no message begun, a bad header) is refused.
                        bool first = check_header(h).ok() && fragment == 0;
                        CHECK(s.error() == (first ? Error::WouldBlock : Error::Malformed));
                        ++rejected;
                        continue;
                    }
                    ++accepted;
                    CHECK(m.interface == 0x4321);
                    CHECK(m.type == type);
                    CHECK(m.length == length);
                    CHECK(m.reply == ((flags & kFlagReply) != 0));
                    CHECK(m.seq == 0);
                    CHECK(m.rpc_id == 0xdeadbeef);
                    CHECK(memcmp(m.payload, frame + field::kPayload, kFramePayload) == 0);
                }
    CHECK(accepted == 4 * 4 * 2); // types 1, 2, 254, 255 x lengths 0, 1, 39, 40 x reply or not
    CHECK(rejected > 10000);
}

// The rule is said in two masked compares with carries (wire.hpp): every length and every
// type one by one, and header words built so that a carry out of one field would turn an
// invalid next field into a valid one if it were allowed to happen.
TEST_CASE("the one-frame rule on a header word equals check_header's, for every length and type") {
    auto word = [](u16 type, u16 length, u8 fragment, u8 flags) {
        u8 frame[kFrameBytes] = {};
        encode_header({.interface = 0xbeef, .type = type, .length = length, .fragment = fragment, .flags = flags,
                       .seq = 1, .rpc_id = 2}, frame);
        return load_le64(frame);
    };
    auto valid = [](u16 type, u16 length, u8 fragment, u8 flags) {
        FrameHeader h{.interface = 0xbeef, .type = type, .length = length, .fragment = fragment, .flags = flags,
                      .seq = 1, .rpc_id = 2};
        return check_header(h).ok() && fragment == 0 && (flags & kFlagLast) != 0;
    };
    u32 wrong = 0;
    for (u32 v = 0; v <= 0xffff; ++v)
        for (u8 flags : {u8(3), u8(7), u8(2), u8(1)}) {
            wrong += is_whole_single_frame(word(u16(v), 0, 0, flags)) != valid(u16(v), 0, 0, flags);
            wrong += is_whole_single_frame(word(1, u16(v), 0, flags)) != valid(1, u16(v), 0, flags);
            wrong += is_whole_single_frame(word(255, u16(v), 0, flags)) != valid(255, u16(v), 0, flags);
        }
    CHECK(wrong == 0);
    // Carries that would land in the next field: length + 23 overflowing into fragment 0xff
    // and flags 2 (which would read as fragment 0, flags 3), type + 255 into the length.
    CHECK(!is_whole_single_frame(word(1, 0xffe9, 0xff, 2)));
    CHECK(!is_whole_single_frame(word(1, 0xffff, 0xff, 2)));
    CHECK(!is_whole_single_frame(word(0xff01, 0, 0, 3)));
    CHECK(!is_whole_single_frame(word(0xffff, 0xffff, 0, 3)));
    CHECK(!is_whole_single_frame(word(0x100, 0, 0, 3)));
    CHECK(is_whole_single_frame(word(255, 40, 0, 7)));
    // Random words: the same verdict as decoding and checking them.
    u64 x = 0x9e3779b97f4a7c15ull;
    for (u32 i = 0; i < 200000; ++i) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        u64 w = i & 1 ? x : (x & 0x0700'00ff'00ff'ffffull) | 0x0300'0000'0000'0000ull; // half near-valid
        u8 frame[kFrameBytes] = {};
        store_le64(frame, w);
        FrameHeader h = decode_header(frame);
        wrong += is_whole_single_frame(w) != valid(h.type, h.length, h.fragment, h.flags);
    }
    CHECK(wrong == 0);
}

TEST_CASE("a frame read in place is checked once: the copy taken is what is checked and delivered") {
    // The frame lies in memory a peer may rewrite; what arrives is what was copied and
    // checked, and a later change of the source changes nothing delivered.
    u8 frame[kFrameBytes];
    const u8 payload[40] = {1, 2, 3};
    encode_single({.interface = 7, .type = 9, .payload = payload, .length = 40}, 0, frame);
    Reassembler r;
    Message m;
    REQUIRE(r.accept(frame, m).ok());
    memset(frame, 0xff, sizeof frame);
    CHECK(m.type == 9);
    CHECK(m.payload[2] == 3);
    CHECK(m.length == 40);
}
