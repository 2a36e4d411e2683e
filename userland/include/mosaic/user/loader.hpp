// Loading a program from the image bundle into a new dispatcher, built from capabilities
// in user space (the monitor's job, as Barrelfish's spawn): the module found through the
// bundle's entry table (mapped read-only through the image's Frame capability), its ELF
// checked and planned (mosaic/user_image.hpp), frames, page tables and a CNode retyped from
// one RAM chunk, the frames filled through temporary mappings, the child's tables and
// capability space filled as every program expects (sys::kSlot*), and the CPU driver's last
// step (KernelOp::Dispatch). Hardware-neutral: the same source on every ISA.
#pragma once

#include <mosaic/caps/ram_alloc.hpp>
#include <mosaic/isa.hpp>
#include <mosaic/user/vspace.hpp>

namespace mosaic::user {

// What a loaded program holds of the loader's RAM until it ended: its image's chunk
// (frames, tables, its CNode) and the chunk of the RAM it was given (raw 0: none).
struct Loaded {
    u32 id = 0; // its dispatcher id
    caps::CPtr image, ram;
    caps::CPtr dispatcher; // its Dispatcher capability, in the caller's slot
};

class Loader {
  public:
    // Empty slots of the caller's root CNode the loader uses while it loads.
    struct Slots {
        u32 view;   // a copy of the image's Frame, mapped read-only
        u32 temp;   // a copy of one of the child's frames, mapped while it is filled
        u32 source; // the image chunk without Grant: what the child's objects are made of
        u32 child;  // the child's CNode
    };
    // RAM from `ram`; temporary mappings in scratch tables 0 (the bundle) and 1 (a frame) of
    // `vs`, which must have them; modules of `isa`.
    void init(caps::RamAllocator& ram, Vspace& vs, Isa isa, Slots slots) { ram_ = &ram, vs_ = &vs, isa_ = isa, s_ = slots; }
    // Loads module `name` and starts it with `arg`, `ram_bytes` of RAM (rounded up to a
    // power of two of pages, at sys::kSlotRam with Read, Write and Grant; 0 for none) and
    // `data_len` bytes of start data copied from `data`, its Dispatcher capability in the
    // caller's empty slot `dispatcher`. Nothing it made stays on failure.
    Result<Loaded> load(const char* name, u64 arg, u64 ram_bytes, const void* data, u64 data_len, caps::CPtr dispatcher);
    // The memory of a program that ended goes back to the loader's RAM.
    void release(const Loaded& l);

  private:
    Result<u32> load_into(Loaded& l, const char* name, u64 arg, u64 ram_bytes, const u8* data, u64 data_len);
    Result<const u8*> map_module(const char* name, u64& size);
    caps::RamAllocator* ram_ = nullptr;
    Vspace* vs_ = nullptr;
    Isa isa_ = Isa::X86_64;
    Slots s_{};
};

} // namespace mosaic::user
