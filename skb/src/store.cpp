// Tuple storage and hash indexes of the SKB (see store.hpp).
#include <mosaic/skb/store.hpp>

namespace mosaic::skb {

namespace {

u64 mix(u64 h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

u8 full_mask(u8 arity) { return u8((1u << arity) - 1); }

} // namespace

bool TupleStore::carve(Arena& arena, const Limits& limits) {
    max_relations_ = limits.max_relations;
    max_tuples_ = limits.max_tuples;
    max_values_ = limits.max_values;
    max_entries_ = limits.max_index_entries;
    u32 buckets = 1;
    while (buckets * 2 <= limits.index_buckets && buckets < (1u << 30)) buckets *= 2;
    bucket_mask_ = buckets - 1;
    relations_ = arena.take<Relation>(max_relations_);
    tuples_ = arena.take<TupleRec>(max_tuples_);
    values_ = arena.take<Value>(max_values_);
    entries_ = arena.take<Entry>(max_entries_);
    buckets_ = arena.take<u32>(buckets);
    return relations_ && tuples_ && values_ && entries_ && buckets_;
}

void TupleStore::clear() {
    nrelations_ = ntuples_ = nvalues_ = nentries_ = 0;
    for (u32 i = 0; i <= bucket_mask_; ++i) buckets_[i] = kNone;
}

Result<u32> TupleStore::add_relation(u32 name, u8 arity) {
    if (arity == 0 || arity > kMaxArity) return Error::InvalidArgument;
    if (nrelations_ >= max_relations_) return Error::CapacityExceeded;
    Relation& r = relations_[nrelations_];
    r = Relation{};
    r.name = name;
    r.arity = arity;
    r.masks[0] = full_mask(arity);
    r.nmasks = 1;
    return nrelations_++;
}

u32 TupleStore::bucket(u32 rel, u8 mask, const Value* key) const {
    u64 h = mix(u64(rel) << 8 | mask);
    for (u32 i = 0; i < kMaxArity; ++i)
        if (mask & (1u << i)) h = mix(h ^ key[i].raw());
    return u32(h) & bucket_mask_;
}

bool TupleStore::has_mask(u32 rel, u8 mask) const {
    const Relation& r = relations_[rel];
    for (u32 i = 0; i < r.nmasks; ++i)
        if (r.masks[i] == mask) return true;
    return false;
}

bool TupleStore::matches(u32 tuple, u32 rel, u8 mask, const Value* key) const {
    if (tuples_[tuple].rel != rel) return false;
    const Value* v = values(tuple);
    for (u32 i = 0; i < kMaxArity; ++i)
        if ((mask & (1u << i)) && v[i] != key[i]) return false;
    return true;
}

void TupleStore::index_tuple(u32 tuple) {
    const Relation& r = relations_[tuples_[tuple].rel];
    for (u32 i = 0; i < r.nmasks; ++i) {
        u32 b = bucket(tuples_[tuple].rel, r.masks[i], values(tuple));
        entries_[nentries_] = Entry{tuple, buckets_[b], r.masks[i]};
        buckets_[b] = nentries_++;
    }
}

bool TupleStore::contains(u32 rel, u8 mask, const Value* key) const {
    Cursor c = scan(rel, mask, key, 0, kNone);
    return next(c) != kNone;
}

Result<bool> TupleStore::insert(u32 rel, const Value* vals) {
    Relation& r = relations_[rel];
    if (contains(rel, full_mask(r.arity), vals)) return false;
    if (ntuples_ >= max_tuples_ || r.arity > max_values_ - nvalues_ || r.nmasks > max_entries_ - nentries_)
        return Error::CapacityExceeded;
    u32 t = ntuples_++;
    tuples_[t] = TupleRec{nvalues_, r.head, rel};
    for (u32 i = 0; i < r.arity; ++i) values_[nvalues_ + i] = vals[i];
    nvalues_ += r.arity;
    r.head = t;
    ++r.count;
    index_tuple(t);
    return true;
}

bool TupleStore::add_mask(u32 rel, u8 mask) {
    Relation& r = relations_[rel];
    if (mask == 0 || has_mask(rel, mask) || r.nmasks >= kMaxMasks) return false;
    r.masks[r.nmasks++] = mask;
    return true;
}

void TupleStore::rebuild_indexes() {
    for (u32 i = 0; i <= bucket_mask_; ++i) buckets_[i] = kNone;
    nentries_ = 0;
    // Each tuple had room for its entries when it was inserted; a mask added since may
    // not fit, and then its relation falls back to scanning for that mask.
    for (u32 t = 0; t < ntuples_; ++t) {
        Relation& r = relations_[tuples_[t].rel];
        while (r.nmasks > 1 && r.nmasks > max_entries_ - nentries_) --r.nmasks;
        index_tuple(t);
    }
}

void TupleStore::truncate(u32 mark) {
    if (mark >= ntuples_) return;
    for (u32 i = 0; i < nrelations_; ++i) {
        Relation& r = relations_[i];
        while (r.head != kNone && r.head >= mark) {
            r.head = tuples_[r.head].prev;
            --r.count;
        }
    }
    // Entries are in tuple order: find the first one of a dropped tuple.
    u32 lo = 0, hi = nentries_;
    while (lo < hi) {
        u32 mid = lo + (hi - lo) / 2;
        if (entries_[mid].tuple < mark) lo = mid + 1;
        else hi = mid;
    }
    // Unlink the dropped entries from the front of their chains: bucket by bucket when
    // few are dropped (their tuples are still readable), else over the whole table.
    if (nentries_ - lo < bucket_mask_ / 4) {
        for (u32 e = nentries_; e-- > lo;) {
            const Entry& d = entries_[e];
            u32* b = &buckets_[bucket(tuples_[d.tuple].rel, u8(d.mask), values(d.tuple))];
            while (*b != kNone && *b >= lo) *b = entries_[*b].next;
        }
    } else {
        for (u32 b = 0; b <= bucket_mask_; ++b)
            while (buckets_[b] != kNone && buckets_[b] >= lo) buckets_[b] = entries_[buckets_[b]].next;
    }
    nentries_ = lo;
    nvalues_ = tuples_[mark].off;
    ntuples_ = mark;
}

TupleStore::Cursor TupleStore::scan(u32 rel, u8 mask, const Value* key, u32 lo, u32 hi) const {
    Cursor c{key, rel, lo, hi, kNone, mask, false};
    if (mask != 0 && has_mask(rel, mask)) {
        c.indexed = true;
        c.pos = buckets_[bucket(rel, mask, key)];
    } else {
        c.pos = relations_[rel].head;
    }
    return c;
}

u32 TupleStore::next(Cursor& c) const {
    while (c.pos != kNone) {
        u32 t = c.indexed ? entries_[c.pos].tuple : c.pos;
        bool other_index = c.indexed && entries_[c.pos].mask != c.mask;
        c.pos = c.indexed ? entries_[c.pos].next : tuples_[c.pos].prev;
        if (t >= c.hi || other_index) continue;
        if (t < c.lo) break;
        if (matches(t, c.rel, c.mask, c.key)) return t;
    }
    c.pos = kNone;
    return kNone;
}

} // namespace mosaic::skb
