/* aarch64 CPU driver entry: x0 = device tree (or 0), x1 = image bundle. Drops from EL2 to
   EL1 if started there (as on a Raspberry Pi), sets up the boot stack, clears .bss and
   enters aarch64_boot() in C++. */
    .section .text.boot, "ax"
    .globl _start
_start:
    mrs     x9, CurrentEL
    lsr     x9, x9, #2
    cmp     x9, #2
    b.ne    1f
    mov     x9, #(1 << 31)          /* HCR_EL2.RW: EL1 is AArch64 */
    msr     hcr_el2, x9
    mov     x9, #0x3c5              /* SPSR: EL1h, DAIF masked */
    msr     spsr_el2, x9
    adr     x9, 1f
    msr     elr_el2, x9
    eret
1:  ldr     x9, =__boot_stack_top
    mov     sp, x9
    ldr     x9, =__bss_start
    ldr     x10, =__bss_end
2:  cmp     x9, x10
    b.hs    3f
    str     xzr, [x9], #8
    b       2b
3:  bl      aarch64_boot
4:  wfi
    b       4b

/* Secondary cores, started by PSCI CPU_ON at EL1 with the MMU off: x0 = their CoreState
   (stack top at offset 0). */
    .globl aarch64_secondary_start
aarch64_secondary_start:
    ldr     x9, [x0]
    mov     sp, x9
    bl      cpudriver_secondary_entry
1:  wfi
    b       1b
