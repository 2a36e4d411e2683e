// URPC: one-way channel over a ring of 64-byte cache-line slots in shared memory,
// one writer and one reader (Barrelfish's URPC). The same code runs between cores of a
// node and between nodes over the interconnect region, so the shared layout holds no
// pointers, only fixed offsets from the base that each side maps wherever it likes:
//
//   base + 0                 control line, written only by the reader:
//                              u64 consumed   frames the reader has finished with
//                              u64 waiting    while the reader sleeps until notified: the
//                                             number of that sleep (never 0); 0 when awake
//   base + 64 * (1 + i)      slot i (i < slots, slots a power of two):
//                              56-byte frame, then u64 sequence word at offset 56
//
// The writer fills slot (n mod slots) and then publishes it by storing n + 1 into the
// slot's sequence word with release ordering; the reader polls that word with acquire
// ordering and only then reads the frame. A zeroed region is an empty ring.
//
// Batches (pipelined throughput). The writer may fill k slots n..n+k-1 first (frames, then
// the sequence words of slots n+1..n+k-1 with relaxed stores), and publish them all with
// ONE release: the store of n + 1 into slot n's word, last (publish_batch). The reader reads
// slots strictly in order with an acquire load of each word, so it has acquired slot n's
// word before it looks at slot n+1's: everything the writer did before that release (every
// frame and word of the batch) is visible to it, and it can never see a sequence word
// before the frame it guards. (A word of a later batch that is the first of its own batch
// carries its own release.) The reader hands slots back with one release store of
// `consumed` per batch (ack()), never per frame; the writer caches the reader's `consumed`
// and re-reads that shared line only when the cached value says the ring is too full. No
// standalone fence is used, so ThreadSanitizer checks the scheme as it is. On x86-64 the
// release and acquire are plain moves; on aarch64 and riscv64 the writer pays one
// release per batch instead of one per slot. The slot layout is the same for single and
// batched publishing: readers of either kind interoperate.
#pragma once

#include <stddef.h>

#include <mosaic/error.hpp>
#include <mosaic/transports/cpu_relax.hpp>
#include <mosaic/transports/wire.hpp>

namespace mosaic::transports {

// The sequence word is stored natively: the three ISAs are little-endian, so its bytes
// on the wire are little-endian too.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "URPC slots are little-endian");

struct alignas(64) UrpcSlot {
    u8 frame[kFrameBytes];
    u64 seq;
};
static_assert(sizeof(UrpcSlot) == kSlotBytes && offsetof(UrpcSlot, seq) == kSlotSeqOffset);

struct alignas(64) UrpcControl {
    u64 consumed;
    u64 waiting;
    u8 pad[48];
};
static_assert(sizeof(UrpcControl) == kSlotBytes);

inline constexpr u32 kUrpcMaxSlots = 1u << 20;

// Bytes of shared memory a ring of `slots` slots needs.
constexpr u64 urpc_region_bytes(u32 slots) { return u64(slots + 1) * kSlotBytes; }

// Checks a caller-provided ring: non-null, 64-byte aligned, power-of-two slot count.
inline Status urpc_check_region(void* base, u32 slots) {
    if (base == nullptr || !is_pow2(slots) || slots < 2 || slots > kUrpcMaxSlots)
        return Error::InvalidArgument;
    if ((uptr(base) & (kSlotBytes - 1)) != 0) return Error::Misaligned;
    return {};
}

// The ring geometry both ends keep privately, attached to a caller-provided region.
class UrpcRing {
  protected:
    Status attach(void* base, u32 slots, bool prefetch) {
        TRY_STATUS(urpc_check_region(base, slots));
        control_ = static_cast<UrpcControl*>(base);
        slots_ = static_cast<UrpcSlot*>(base) + 1;
        mask_ = slots - 1;
        prefetch_ = prefetch;
        return {};
    }

    UrpcControl* control_;
    UrpcSlot* slots_;
    u32 mask_;
    bool prefetch_;
};

// The writer's private state (lives on the writer's side, never in shared memory);
// trivially constructible so that a channel can keep it in a union, set up by init().
class UrpcWriter : UrpcRing {
  public:
    Status init(void* base, u32 slots, bool prefetch) {
        TRY_STATUS(attach(base, slots, prefetch));
        head_ = 0;
        consumed_ = 0;
        rung_ = 0;
        return {};
    }

    // Frames that can be written without blocking, refreshing the reader's count only
    // when the cached one says the ring is too full.
    u32 space(u32 wanted) {
        u64 size = u64(mask_) + 1;
        if (head_ - consumed_ + wanted > size)
            consumed_ = __atomic_load_n(&control_->consumed, __ATOMIC_ACQUIRE);
        return u32(size - (head_ - consumed_));
    }

    // Slots in the ring: the most frames a batch can ever hold.
    u32 capacity() const { return mask_ + 1; }

    // Writes `n` frames all or nothing, published with one release: WouldBlock if the ring
    // has no room for all of them (nothing is overwritten), CapacityExceeded if they could
    // never fit.
    Status send_frames(const Frame* f, u32 n) {
        if (n > mask_ + 1) return Error::CapacityExceeded;
        if (space(n) < n) return Error::WouldBlock;
        for (u32 i = 0; i < n; ++i) __builtin_memcpy(frame_at(i), f[i].bytes, kFrameBytes);
        publish_batch(n);
        return {};
    }

    // The batch path: after space(k) >= k, the caller writes the frames of slots
    // head..head+k-1 in place (frame_at(0..k-1)) and publishes all k with publish_batch(k).
    u8* frame_at(u32 i) { return slots_[(head_ + i) & mask_].frame; }
    void publish_batch(u32 k) {
        for (u32 i = 1; i < k; ++i) mark(i);
        publish_marked(k);
    }
    // The same in two steps, so that a slot's word can be stored right after its frame
    // (the stores to one line kept together): mark(i) for each i in 1..k-1, in any order,
    // then publish_marked(k). A marked word is seen only after slot head's word, which
    // publish_marked stores last with the one release (readers go in order).
    void mark(u32 i) { __atomic_store_n(&slots_[(head_ + i) & mask_].seq, head_ + i + 1, __ATOMIC_RELAXED); }
    void publish_marked(u32 k) {
        if (k == 0) return;
        __atomic_store_n(&slots_[head_ & mask_].seq, head_ + 1, __ATOMIC_RELEASE); // the one release
        head_ += k;
        if (prefetch_) prefetch_write(&slots_[head_ & mask_]);
    }

    // The batch path in one pass, for k <= space(k) frames whose first one the caller knows
    // it can write: fill(i, frame) writes the frame of slot head+i for i = 1, 2, ... in order
    // and returns false to end the batch before frame i (that slot stays unpublished and
    // free); each word is stored right after its frame (the stores to one line together).
    // Then fill(0, frame) writes the first frame (it must not fail), whose word is the one
    // release (publish_marked). Returns the frames published (at least 1 when k > 0). The
    // ring position stays in registers, not re-read after every byte store the caller makes.
    template <typename Fill> u32 fill_batch(u32 k, Fill&& fill) {
        if (k == 0) return 0;
        UrpcSlot* const slots = slots_;
        const u64 head = head_;
        const u32 at = u32(head) & mask_;
        UrpcSlot* const first = &slots[at];
        // The slots after the first, walked by pointer in two runs (up to the ring's end, then
        // from its start), so that no step checks for the end; `word` is each one's word.
        const u32 before_end = min(k, mask_ + 1 - at);
        UrpcSlot* s = first + 1;
        u64 word = head + 2;
        u32 n = 1;
        for (; n < before_end; ++n, ++s, ++word) {
            if (!fill(n, s->frame)) goto last;
            __atomic_store_n(&s->seq, word, __ATOMIC_RELAXED);
        }
        for (s = slots; n < k; ++n, ++s, ++word) {
            if (!fill(n, s->frame)) break;
            __atomic_store_n(&s->seq, word, __ATOMIC_RELAXED);
        }
    last:
        fill(0u, first->frame);
        publish_marked(n);
        return n;
    }

    // The one-frame fast path: if has_room(), the caller encodes straight into the frame of
    // the slot that claim() returns and then calls publish(claim). The claim carries the
    // slot and its word, so that publishing re-reads nothing of this writer after the
    // caller's byte stores (which may alias anything).
    bool has_room() { // space(1) != 0, the reader's count re-read only when the cached one says full
        if (head_ - consumed_ > mask_) consumed_ = __atomic_load_n(&control_->consumed, __ATOMIC_ACQUIRE);
        return head_ - consumed_ <= mask_;
    }
    struct Claim {
        UrpcSlot* slot;
        u64 word; // The slot's sequence word once published: frames written so far + 1.
    };
    Claim claim() const { return {&slots_[head_ & mask_], head_ + 1}; }

    // True if the reader sleeps until notified and nobody rang for this sleep yet (then the
    // caller rings: once per sleep, however many messages follow). Callers publish first,
    // then issue a full fence, then ask (the reader stores its flag, fences, then polls once
    // more: one of the two sees the other, so a wake-up is never lost).
    bool should_ring() {
        u64 w = __atomic_load_n(&control_->waiting, __ATOMIC_ACQUIRE);
        if (w == 0 || w == rung_) return false;
        rung_ = w;
        return true;
    }
    void publish(const Claim& c) {
        head_ = c.word;
        __atomic_store_n(&c.slot->seq, c.word, __ATOMIC_RELEASE);
        if (prefetch_) prefetch_write(&slots_[head_ & mask_]);
    }

  private:
    u64 head_;     // Frames written.
    u64 consumed_; // The reader's count as last seen.
    u64 rung_;     // The reader's sleep we last rang for.
};

// The reader's private state.
class UrpcReader : UrpcRing {
  public:
    static constexpr u32 kScan = 16; // Sequence words take_each looks ahead at, at most.

    Status init(void* base, u32 slots, bool prefetch) {
        TRY_STATUS(attach(base, slots, prefetch));
        tail_ = 0;
        acked_ = 0;
        sleeps_ = 0;
        return {};
    }

    // The next published frame where it lies, or null; it stays there, unchanged by the
    // writer, until consume() and then ack() hand its slot back.
    const u8* peek() const {
        const UrpcSlot* s = &slots_[tail_ & mask_];
        return __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE) == tail_ + 1 ? s->frame : nullptr;
    }
    void consume() {
        ++tail_;
        if (prefetch_) prefetch_read(&slots_[tail_ & mask_]);
    }

    // The batch path: hands the published frames, in ring order, to take(frame) (an acquire
    // load of each slot's word first) until `max` were taken, the ring runs dry or take
    // returns false (after taking that one); returns how many it took. Each taken slot is
    // consumed (handed back at the next ack()). The ring position stays in a register for
    // the whole run, not re-read after every store the caller makes.
    template <typename Take> u32 take_each(u32 max, Take&& take) {
        UrpcSlot* const slots = slots_;
        const u32 mask = mask_;
        u64 tail = tail_;
        u32 n = 0;
        while (n < max) {
            // First the sequence words of up to kScan slots, then their frames: the loads of
            // the words do not wait on one another nor on the caller's work per frame, so
            // the lines the writer filled come over together instead of one after another
            // (bench-transports: 9% to 29% more batched throughput between cores, paired runs).
            // Each frame is still read only after its own word was acquired. A window ends
            // at the ring's end, so that its slots are walked by pointer, not by index.
            const u32 at = u32(tail) & mask;
            const UrpcSlot* s = &slots[at];
            const u32 scan = min(min(kScan, max - n), mask + 1 - at);
            const u64 want = tail + 1;
            u32 ready = 0;
            while (ready < scan && __atomic_load_n(&s[ready].seq, __ATOMIC_ACQUIRE) == want + ready) ++ready;
            for (u32 i = 0; i < ready; ++i) {
                if (!take(s[i].frame)) { // the run ends after this frame
                    tail += i + 1, n += i + 1;
                    goto done;
                }
            }
            tail += ready, n += ready;
            if (ready < scan) break; // the ring ran dry
        }
    done:
        tail_ = tail;
        if (n != 0 && prefetch_) prefetch_read(&slots[tail & mask]);
        return n;
    }
    // Copies the next published frame out, or WouldBlock. The slot stays reserved until ack().
    Status poll_frame(Frame& out) {
        const u8* f = peek();
        if (!f) return Error::WouldBlock;
        __builtin_memcpy(out.bytes, f, kFrameBytes);
        consume();
        return {};
    }

    // Says whether this reader sleeps until notified (see UrpcWriter::should_ring).
    void set_waiting(bool on) { __atomic_store_n(&control_->waiting, on ? ++sleeps_ : 0, __ATOMIC_RELEASE); }
    // Times it said it sleeps (some of those sleeps end before they begin: a message came).
    u64 sleeps_announced() const { return sleeps_; }

    // Hands every frame read so far back to the writer.
    void ack() {
        if (tail_ == acked_) return;
        acked_ = tail_;
        __atomic_store_n(&control_->consumed, tail_, __ATOMIC_RELEASE);
    }

    // Hands frames back in batches of a quarter ring, so that a writer running ahead does
    // not pull the control line across for every message. Callers must ack() once the
    // ring is empty, or a writer could wait for slots that are already free.
    void ack_lazy() {
        if (tail_ - acked_ >= (mask_ + 1) / 4) ack();
    }

  private:
    u64 tail_;  // Frames read.
    u64 acked_; // Frames handed back to the writer.
    u64 sleeps_; // Times this reader slept.
};

} // namespace mosaic::transports
