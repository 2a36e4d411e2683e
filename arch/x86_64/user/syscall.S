/* x86_64 user side of the system-call ABI (lib/include/mosaic/syscall.hpp):
   mosaic_syscall(const Args* rdi, Return* rsi): number in rax, arguments rdi rsi rdx r10
   r8 r9, int $0x80, error in rax, values rdi rsi rdx r10 r8. rcx and r11 keep the two
   pointers across the call (the CPU driver preserves every register it does not return
   in); all registers used are caller-saved. */
    .section .text
    .globl mosaic_syscall
mosaic_syscall:
    movq    %rdi, %rcx
    movq    %rsi, %r11
    movq    0(%rcx), %rax
    movq    8(%rcx), %rdi
    movq    16(%rcx), %rsi
    movq    24(%rcx), %rdx
    movq    32(%rcx), %r10
    movq    40(%rcx), %r8
    movq    48(%rcx), %r9
    int     $0x80
    movq    %rax, 0(%r11)
    movq    %rdi, 8(%r11)
    movq    %rsi, 16(%r11)
    movq    %rdx, 24(%r11)
    movq    %r10, 32(%r11)
    movq    %r8, 40(%r11)
    ret

/* An undefined instruction (#UD). */
    .globl mosaic_user_illegal
mosaic_user_illegal:
    ud2
    ret

/* The TSC (CR4.TSD is clear, so CPL 3 may read it). */
    .globl mosaic_user_counter
mosaic_user_counter:
    rdtsc
    shlq    $32, %rdx
    orq     %rdx, %rax
    ret

/* A breakpoint (#BP): the CPU driver ends the program with a Breakpoint fault. */
    .globl mosaic_user_breakpoint
mosaic_user_breakpoint:
    int3
    ret
