// The tuple store: every tuple of every relation in one append-only array, with a hash
// index per (relation, bound-column set) in one shared bucket table. Tuple ids grow with
// insertion and every chain runs newest first, so a scan of the ids in [lo, hi) - the
// delta of one semi-naive round - skips the newer ones and stops at the first older one.
#pragma once

#include <mosaic/error.hpp>
#include <mosaic/skb/arena.hpp>
#include <mosaic/skb/limits.hpp>
#include <mosaic/skb/value.hpp>

namespace mosaic::skb {

inline constexpr u32 kNone = ~u32(0);

struct Relation {
    u32 name = 0;      // symbol id
    u32 head = kNone;  // newest tuple
    u32 count = 0;
    u16 stratum = 0;
    u8 arity = 0;
    u8 nmasks = 0;
    u8 masks[kMaxMasks] = {};
    bool derived = false; // some rule has it as head
    bool aggregate = false; // its rule has an aggregate head
};

class TupleStore {
  public:
    // A scan over the tuples of one relation whose key columns (mask) equal key's.
    struct Cursor {
        const Value* key;
        u32 rel, lo, hi, pos;
        u8 mask;
        bool indexed;
    };

    // Takes the store's arrays from the arena; false when it is too small.
    bool carve(Arena& arena, const Limits& limits);
    // Empties the store (after carve() from a real, not a measuring, arena).
    void clear();
    Result<u32> add_relation(u32 name, u8 arity);
    Relation& relation(u32 id) { return relations_[id]; }
    const Relation& relation(u32 id) const { return relations_[id]; }
    u32 relation_count() const { return nrelations_; }
    u32 size() const { return ntuples_; }
    u32 relation_of(u32 tuple) const { return tuples_[tuple].rel; }
    const Value* values(u32 tuple) const { return values_ + tuples_[tuple].off; }

    // Adds a tuple unless it is present; true when it was added.
    Result<bool> insert(u32 rel, const Value* values);
    // True when some tuple of rel matches key on the columns in mask.
    bool contains(u32 rel, u8 mask, const Value* key) const;
    // Registers an index on the columns in mask; true when it is new and the indexes
    // must be rebuilt. A relation with kMaxMasks indexes answers other masks by scanning.
    bool add_mask(u32 rel, u8 mask);
    // Rebuilds every index from the tuples, oldest first.
    void rebuild_indexes();
    // Drops every tuple with id >= mark.
    void truncate(u32 mark);

    Cursor scan(u32 rel, u8 mask, const Value* key, u32 lo, u32 hi) const;
    // Returns the next matching tuple id, or kNone.
    u32 next(Cursor& c) const;

  private:
    struct TupleRec {
        u32 off;  // first value in values_
        u32 prev; // previous tuple of the same relation
        u32 rel;
    };
    struct Entry {
        u32 tuple;
        u32 next;
        u32 mask; // entries of two masks of one relation may share a bucket
    };

    u32 bucket(u32 rel, u8 mask, const Value* key) const;
    bool has_mask(u32 rel, u8 mask) const;
    bool matches(u32 tuple, u32 rel, u8 mask, const Value* key) const;
    void index_tuple(u32 tuple);

    Relation* relations_ = nullptr;
    TupleRec* tuples_ = nullptr;
    Value* values_ = nullptr;
    Entry* entries_ = nullptr;
    u32* buckets_ = nullptr;
    u32 nrelations_ = 0, max_relations_ = 0;
    u32 ntuples_ = 0, max_tuples_ = 0;
    u32 nvalues_ = 0, max_values_ = 0;
    u32 nentries_ = 0, max_entries_ = 0;
    u32 bucket_mask_ = 0;
};

} // namespace mosaic::skb
