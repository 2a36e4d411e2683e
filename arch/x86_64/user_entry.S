/* x86_64 user mode: leaving for it (x86_user_enter) and the entry from it. While a
   dispatcher runs, the GS base is the user's and KERNEL_GS_BASE holds this core's
   CoreState; in the CPU driver it is the other way round (swapgs on every crossing).
   UserFrame offsets (arch/x86_64/include/mosaic/arch/user.hpp): rax 0, rbx 8, rcx 16,
   rdx 24, rsi 32, rdi 40, rbp 48, r8-r15 56-112, rip 120, rsp 128, rflags 136, ds 144,
   es 146, fs 148, gs 150. */
#include "selectors.h"

#include <mosaic/cpudriver/core_offsets.h>

    .section .text

/* rdi = UserFrame, rflags already sanitized (IF set, IOPL 0). iretq to CPL 3 with the
   user selectors. The data selectors in the frame are ones the user loaded at CPL 3 (or
   null), which CPL 0 may load too; they are loaded after swapgs because loading GS
   replaces the GS base. Interrupts stay off until iretq: in between, the GS base is the
   user's while CS is the kernel's. */
    .globl x86_user_enter
x86_user_enter:
    cli
    pushq   $X86_SEL_USER_DATA       /* ss */
    pushq   128(%rdi)                /* rsp */
    pushq   136(%rdi)                /* rflags */
    pushq   $X86_SEL_USER_CODE       /* cs */
    pushq   120(%rdi)                /* rip */
    swapgs
    movw    144(%rdi), %ds
    movw    146(%rdi), %es
    movw    148(%rdi), %fs
    movw    150(%rdi), %gs
    movq    0(%rdi), %rax
    movq    8(%rdi), %rbx
    movq    16(%rdi), %rcx
    movq    24(%rdi), %rdx
    movq    32(%rdi), %rsi
    movq    48(%rdi), %rbp
    movq    56(%rdi), %r8
    movq    64(%rdi), %r9
    movq    72(%rdi), %r10
    movq    80(%rdi), %r11
    movq    88(%rdi), %r12
    movq    96(%rdi), %r13
    movq    104(%rdi), %r14
    movq    112(%rdi), %r15
    movq    40(%rdi), %rdi
    iretq

/* Jumped to from trap_common (vectors.S) when the interrupted code ran at CPL 3: the CPU
   has switched to the TSS's RSP0 (the core's stack_top) and pushed ss, rsp, rflags, cs,
   rip and an error code, the stub the vector; every register is the user's. Saves them in
   *CoreState.user_frame and calls x86_user_trap(frame, vector) on the fresh stack. */
    .globl x86_user_trap_entry
x86_user_trap_entry:
    swapgs                           /* GS base = this core's CoreState */
    pushq   %rax
    movq    %gs:MOSAIC_CORE_USER_FRAME, %rax
    movq    %rbx, 8(%rax)
    movq    %rcx, 16(%rax)
    movq    %rdx, 24(%rax)
    movq    %rsi, 32(%rax)
    movq    %rdi, 40(%rax)
    movq    %rbp, 48(%rax)
    movq    %r8, 56(%rax)
    movq    %r9, 64(%rax)
    movq    %r10, 72(%rax)
    movq    %r11, 80(%rax)
    movq    %r12, 88(%rax)
    movq    %r13, 96(%rax)
    movq    %r14, 104(%rax)
    movq    %r15, 112(%rax)
    popq    0(%rax)                  /* the user's rax */
    /* Now (%rsp): vector, error code, rip, cs, rflags, rsp, ss. */
    movq    16(%rsp), %rcx
    movq    %rcx, 120(%rax)
    movq    40(%rsp), %rcx
    movq    %rcx, 128(%rax)
    movq    32(%rsp), %rcx
    movq    %rcx, 136(%rax)
    movw    %ds, 144(%rax)
    movw    %es, 146(%rax)
    movw    %fs, 148(%rax)
    movw    %gs, 150(%rax)
    movq    0(%rsp), %rsi
    movq    %rax, %rdi
    movq    %gs:MOSAIC_CORE_STACK_TOP, %rsp
    pushq   $2                       /* the kernel's flags from a known state: DF and AC clear */
    popfq
    call    x86_user_trap
    ud2                              /* x86_user_trap does not return */
