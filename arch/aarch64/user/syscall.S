/* aarch64 user side of the system-call ABI (lib/include/mosaic/syscall.hpp):
   mosaic_syscall(const Args* x0, Return* x1): number in x8, arguments x0-x5, svc #0,
   error in x0, values x1-x5. x9/x10 survive the call (the CPU driver preserves every
   register it does not return in). */
    .section .text
    .globl mosaic_syscall
mosaic_syscall:
    mov     x9, x0
    mov     x10, x1
    ldr     x8, [x9]
    ldp     x0, x1, [x9, #8]
    ldp     x2, x3, [x9, #24]
    ldp     x4, x5, [x9, #40]
    svc     #0
    stp     x0, x1, [x10]
    stp     x2, x3, [x10, #16]
    stp     x4, x5, [x10, #32]
    ret

/* A permanently undefined instruction. */
    .globl mosaic_user_illegal
mosaic_user_illegal:
    udf     #0
    ret

/* The virtual counter; the CPU driver lets EL0 read it (CNTKCTL_EL1.EL0VCTEN). */
    .globl mosaic_user_counter
mosaic_user_counter:
    isb
    mrs     x0, cntvct_el0
    ret

/* A breakpoint (BRK): the CPU driver ends the program with a Breakpoint fault. */
    .globl mosaic_user_breakpoint
mosaic_user_breakpoint:
    brk     #0
    ret
