/* aarch64 exception vectors (VBAR_EL1). Entries from the CPU driver (EL1) save x0-x30,
   ELR and SPSR in a TrapFrame on the stack and call aarch64_trap(frame, entry index); see
   frame.hpp. Entries from user mode (EL0, AArch64 or AArch32) go to user_entry.S. */
    .macro ventry index
    .align  7
    sub     sp, sp, #272
    stp     x0, x1, [sp, #0]
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x19, [sp, #144]
    stp     x20, x21, [sp, #160]
    stp     x22, x23, [sp, #176]
    stp     x24, x25, [sp, #192]
    stp     x26, x27, [sp, #208]
    stp     x28, x29, [sp, #224]
    mov     x1, #\index
    b       vector_common
    .endm

/* From EL0: SP_EL1 is the fresh kernel stack (user_entry.S); free x0/x1 on it. */
    .macro uentry index
    .align  7
    stp     x0, x1, [sp, #-16]!
    mov     x1, #\index
    b       aarch64_user_trap_entry
    .endm

    .section .text
    .align  11
    .globl  aarch64_vectors
aarch64_vectors:
    .irp i, 0,1,2,3,4,5,6,7
    ventry  \i
    .endr
    .irp i, 8,9,10,11,12,13,14,15
    uentry  \i
    .endr

vector_common:
    mrs     x9, elr_el1
    mrs     x10, spsr_el1
    stp     x30, x9, [sp, #240]
    str     x10, [sp, #256]
    mov     x0, sp
    bl      aarch64_trap
    ldp     x30, x9, [sp, #240]
    ldr     x10, [sp, #256]
    msr     elr_el1, x9
    msr     spsr_el1, x10
    ldp     x0, x1, [sp, #0]
    ldp     x2, x3, [sp, #16]
    ldp     x4, x5, [sp, #32]
    ldp     x6, x7, [sp, #48]
    ldp     x8, x9, [sp, #64]
    ldp     x10, x11, [sp, #80]
    ldp     x12, x13, [sp, #96]
    ldp     x14, x15, [sp, #112]
    ldp     x16, x17, [sp, #128]
    ldp     x18, x19, [sp, #144]
    ldp     x20, x21, [sp, #160]
    ldp     x22, x23, [sp, #176]
    ldp     x24, x25, [sp, #192]
    ldp     x26, x27, [sp, #208]
    ldp     x28, x29, [sp, #224]
    add     sp, sp, #272
    eret
