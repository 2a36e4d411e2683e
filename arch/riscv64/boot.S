/* riscv64 CPU driver entry: a0 = hart id, a1 = device tree, a2 = image bundle.
   Sets up the boot stack, clears .bss and enters riscv_boot() in C++. */
    .section .text.boot, "ax"
    .globl _start
_start:
    la      sp, __boot_stack_top
    la      t0, __bss_start
    la      t1, __bss_end
1:  bgeu    t0, t1, 2f
    sd      zero, 0(t0)
    addi    t0, t0, 8
    j       1b
2:  call    riscv_boot
3:  wfi
    j       3b

/* Secondary harts, started by SBI HSM hart_start: a0 = hart id, a1 = its CoreState
   (stack top at offset 0). */
    .globl riscv_secondary_start
riscv_secondary_start:
    la      t0, riscv_arrived       /* arrived: the boot hart waits for this (smp.cpp) */
    fence   rw, rw
    sd      a0, 0(t0)
    ld      sp, 0(a1)
    mv      a0, a1
    call    cpudriver_secondary_entry
1:  wfi
    j       1b
