/* riscv64 user mode: leaving for it (riscv_user_enter) and the trap entry from it.
   While a dispatcher runs, sscratch holds this core's CoreState; while the CPU driver
   runs, sscratch is 0. riscv_trap_entry swaps tp with sscratch first and branches here
   when the trap came from user mode. */
#include <mosaic/cpudriver/core_offsets.h>

    .section .text
    .align 4

/* a0 = UserFrame (x1..x31 at 8*(i-1), pc at 248). Returns to U-mode with SPIE set. */
    .globl riscv_user_enter
riscv_user_enter:
    csrw    sscratch, tp
    ld      t0, 248(a0)
    csrw    sepc, t0
    li      t0, (1 << 8)          /* SPP: return to U-mode */
    csrc    sstatus, t0
    li      t0, (1 << 5)          /* SPIE: interrupts on after sret */
    csrs    sstatus, t0
    .irp i, 1,2,3,4,5,6,7,8,9,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    ld      x\i, (8 * (\i - 1))(a0)
    .endr
    ld      a0, (8 * 9)(a0)
    sret

/* Entered from riscv_trap_entry with tp = CoreState, sscratch = the user's tp, every
   other register the user's. */
    .globl riscv_user_trap_entry
riscv_user_trap_entry:
    sd      t0, MOSAIC_CORE_SCRATCH(tp)
    ld      t0, MOSAIC_CORE_USER_FRAME(tp)
    .irp i, 1,2,3,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd      x\i, (8 * (\i - 1))(t0)
    .endr
    csrr    t1, sscratch
    sd      t1, (8 * 3)(t0)       /* x4 = tp */
    ld      t1, MOSAIC_CORE_SCRATCH(tp)
    sd      t1, (8 * 4)(t0)       /* x5 = t0 */
    csrr    t1, sepc
    sd      t1, 248(t0)
    csrw    sscratch, zero        /* back in the CPU driver */
    ld      sp, MOSAIC_CORE_STACK_TOP(tp)
    mv      a0, t0
    call    riscv_user_trap
1:  j       1b
