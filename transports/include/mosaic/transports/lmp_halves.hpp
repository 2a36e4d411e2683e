// LMP through a CPU driver whose messages are shorter than a frame: the CPU driver moves
// 4 words per LMP message (sys::kLmpWords) and a frame is kLmpWords (7) words, so a frame
// travels as two messages: its words 0-3, then its words 4-6 and a marker word that says
// "second half". Messages from one sender reach a receiver in the order they were sent
// (the CPU driver's mailbox is a FIFO and a hand-off only happens to an empty one), so
// the receiver pairs halves per sender; the marker lets it notice a pairing gone wrong
// and get back in step.
#pragma once

#include <mosaic/transports/lmp.hpp>

namespace mosaic::transports {

inline constexpr u32 kLmpHalfWords = 4;
inline constexpr u64 kLmpSecondHalf = 0x3266'6c61'6870'6d6cull; // "lmphalf2" in memory order
static_assert(kLmpWords < 2 * kLmpHalfWords, "the second half keeps a word for the marker");

struct LmpHalf {
    u64 words[kLmpHalfWords];
};

inline void lmp_split(const LmpMessage& m, LmpHalf& first, LmpHalf& second) {
    for (u32 i = 0; i < kLmpHalfWords; ++i) first.words[i] = m.words[i];
    for (u32 i = kLmpHalfWords; i < kLmpWords; ++i) second.words[i - kLmpHalfWords] = m.words[i];
    for (u32 i = kLmpWords - kLmpHalfWords; i < kLmpHalfWords - 1; ++i) second.words[i] = 0;
    second.words[kLmpHalfWords - 1] = kLmpSecondHalf;
}

// Pairs halves into frames per sender and keeps each sender's complete frames, oldest
// first, until they are taken.
class LmpJoiner {
  public:
    static constexpr u32 kSenders = 8; // senders with something pending at once
    static constexpr u32 kQueued = 4;  // complete frames kept per sender

    // Takes one message from `sender`. Ok: a first half was kept, or a frame completed.
    // Malformed: a second half without its first, or a first half whose second never
    // came (the older half is dropped; this one starts a frame): a frame was lost, and the
    // pairing is back in step. CapacityExceeded: no room for another sender or another
    // frame of this one (the message is dropped).
    Status accept(u64 sender, const LmpHalf& h) {
        Peer* p = peer(sender, true);
        if (!p) return Error::CapacityExceeded;
        bool second = h.words[kLmpHalfWords - 1] == kLmpSecondHalf;
        if (!p->have_first) {
            if (second) return Error::Malformed;
            p->first = h;
            p->have_first = true;
            return {};
        }
        if (!second) {
            p->first = h;
            return Error::Malformed;
        }
        p->have_first = false;
        if (p->count == kQueued) return Error::CapacityExceeded;
        LmpMessage& m = p->frames[(p->head + p->count++) % kQueued];
        for (u32 i = 0; i < kLmpWords; ++i)
            m.words[i] = i < kLmpHalfWords ? p->first.words[i] : h.words[i - kLmpHalfWords];
        return {};
    }

    // The oldest complete frame from `sender`; false if there is none.
    bool take(u64 sender, LmpMessage& out) {
        Peer* p = peer(sender, false);
        if (!p || p->count == 0) return false;
        out = p->frames[p->head];
        p->head = (p->head + 1) % kQueued;
        --p->count;
        return true;
    }

  private:
    struct Peer {
        u64 sender = 0;
        bool used = false, have_first = false;
        LmpHalf first{};
        LmpMessage frames[kQueued]{};
        u32 head = 0, count = 0;
    };

    // The sender's entry; with `add`, a new one in a free entry (or one that holds nothing).
    Peer* peer(u64 sender, bool add) {
        Peer* idle = nullptr;
        for (Peer& p : peers_) {
            if (p.used && p.sender == sender) return &p;
            if (!idle && (!p.used || (!p.have_first && p.count == 0))) idle = &p;
        }
        if (!add || !idle) return nullptr;
        *idle = Peer{};
        idle->used = true;
        idle->sender = sender;
        return idle;
    }

    Peer peers_[kSenders]{};
};

} // namespace mosaic::transports
