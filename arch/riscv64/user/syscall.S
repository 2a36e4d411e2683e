/* riscv64 user side of the system-call ABI (lib/include/mosaic/syscall.hpp):
   mosaic_syscall(const Args* a0, Return* a1): number in a7, arguments a0-a5, ecall,
   error in a0, values a1-a5. t0/t1 survive the call (the CPU driver preserves every
   register it does not return in). */
    .section .text
    .globl mosaic_syscall
mosaic_syscall:
    mv      t0, a0
    mv      t1, a1
    ld      a7, 0(t0)
    ld      a0, 8(t0)
    ld      a1, 16(t0)
    ld      a2, 24(t0)
    ld      a3, 32(t0)
    ld      a4, 40(t0)
    ld      a5, 48(t0)
    ecall
    sd      a0, 0(t1)
    sd      a1, 8(t1)
    sd      a2, 16(t1)
    sd      a3, 24(t1)
    sd      a4, 32(t1)
    sd      a5, 40(t1)
    ret

/* An illegal instruction: a write to the read-only cycle CSR (the canonical unimp). */
    .globl mosaic_user_illegal
mosaic_user_illegal:
    unimp
    ret

    .globl mosaic_user_counter
mosaic_user_counter:
    rdtime  a0
    ret

/* A breakpoint (ebreak): the CPU driver ends the program with a Breakpoint fault. */
    .globl mosaic_user_breakpoint
mosaic_user_breakpoint:
    ebreak
    ret
