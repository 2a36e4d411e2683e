/* aarch64 user mode: leaving for EL0 (aarch64_user_enter) and the entry from it
   (vectors.S sends every lower-EL vector here). While a dispatcher runs, SP_EL1 is this
   core's fresh kernel stack top (CoreState.stack_top), so the entry has room to free two
   registers before it finds the UserFrame through TPIDR_EL1. */
#include <mosaic/cpudriver/core_offsets.h>

    .section .text
    .align 4

/* x0 = UserFrame (x0..x30 at 8*i, sp at 248, pc at 256, pstate at 264, TPIDR_EL0 at
   272). Interrupts are masked here; the eret unmasks them at EL0. */
    .globl aarch64_user_enter
aarch64_user_enter:
    msr     daifset, #2
    mrs     x1, tpidr_el1
    ldr     x1, [x1, #MOSAIC_CORE_STACK_TOP]
    mov     sp, x1                /* the next entry starts on a fresh kernel stack */
    ldp     x1, x2, [x0, #248]
    msr     sp_el0, x1
    msr     elr_el1, x2
    ldr     x1, [x0, #264]
    and     x1, x1, #0xf0000000   /* the user's NZCV only: EL0t, DAIF all clear */
    msr     spsr_el1, x1
    ldr     x1, [x0, #272]
    msr     tpidr_el0, x1
    ldp     x2, x3, [x0, #16]
    ldp     x4, x5, [x0, #32]
    ldp     x6, x7, [x0, #48]
    ldp     x8, x9, [x0, #64]
    ldp     x10, x11, [x0, #80]
    ldp     x12, x13, [x0, #96]
    ldp     x14, x15, [x0, #112]
    ldp     x16, x17, [x0, #128]
    ldp     x18, x19, [x0, #144]
    ldp     x20, x21, [x0, #160]
    ldp     x22, x23, [x0, #176]
    ldp     x24, x25, [x0, #192]
    ldp     x26, x27, [x0, #208]
    ldp     x28, x29, [x0, #224]
    ldr     x30, [x0, #240]
    ldp     x0, x1, [x0, #0]
    eret

/* Entered from a lower-EL vector with the user's x0/x1 pushed on the kernel stack and
   x1 = the vector index (8-15); every other register is the user's. */
    .globl aarch64_user_trap_entry
aarch64_user_trap_entry:
    mrs     x0, tpidr_el1
    ldr     x0, [x0, #MOSAIC_CORE_USER_FRAME]
    stp     x2, x3, [x0, #16]
    stp     x4, x5, [x0, #32]
    stp     x6, x7, [x0, #48]
    stp     x8, x9, [x0, #64]
    stp     x10, x11, [x0, #80]
    stp     x12, x13, [x0, #96]
    stp     x14, x15, [x0, #112]
    stp     x16, x17, [x0, #128]
    stp     x18, x19, [x0, #144]
    stp     x20, x21, [x0, #160]
    stp     x22, x23, [x0, #176]
    stp     x24, x25, [x0, #192]
    stp     x26, x27, [x0, #208]
    stp     x28, x29, [x0, #224]
    str     x30, [x0, #240]
    ldp     x2, x3, [sp], #16     /* the user's x0, x1 */
    stp     x2, x3, [x0, #0]
    mrs     x2, sp_el0
    mrs     x3, elr_el1
    stp     x2, x3, [x0, #248]
    mrs     x2, spsr_el1
    mrs     x3, tpidr_el0
    stp     x2, x3, [x0, #264]
    mrs     x2, tpidr_el1
    ldr     x2, [x2, #MOSAIC_CORE_STACK_TOP]
    mov     sp, x2
    mov     x29, xzr              /* the end of the kernel's frame chain */
    bl      aarch64_user_trap     /* (frame, index): never returns */
1:  wfi
    b       1b
