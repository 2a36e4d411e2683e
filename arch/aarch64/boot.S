/* aarch64 CPU driver entry: x0 = device tree (or 0), x1 = image bundle. Drops from EL2 to
   EL1 if started there (boards with a hypervisor level: a Raspberry Pi, QEMU virt with
   virtualization=on), sets up the boot stack, clears .bss and enters aarch64_boot() in C++
   with x2 = the exception level it was entered at. */

/* From EL2 to EL1 at the label given, keeping x0-x8 (uses x9): EL1 in AArch64 without
   traps of its own timers, counter or GICv3 system registers, and SCTLR_EL1 at its
   architected MMU-off value (its reset value is UNKNOWN on hardware). */
    .macro  drop_to_el1 then
    mrs     x9, CurrentEL
    lsr     x9, x9, #2
    cmp     x9, #2
    b.ne    \then
    mov     x9, #(1 << 31)          /* HCR_EL2.RW: EL1 is AArch64 */
    msr     hcr_el2, x9
    mov     x9, #3                  /* CNTHCTL_EL2.EL1PCTEN, EL1PCEN: counter and timers */
    msr     cnthctl_el2, x9
    msr     cntvoff_el2, xzr        /* the virtual counter is the physical one */
    mrs     x9, id_aa64pfr0_el1     /* GICv3 system registers implemented (GIC field)? */
    ubfx    x9, x9, #24, #4
    cbz     x9, 9f
    mov     x9, #0xf                /* ICC_SRE_EL2: SRE, DFB, DIB and Enable (EL1 may use them) */
    msr     S3_4_C12_C9_5, x9
    isb
9:  ldr     x9, =0x30d00800         /* SCTLR_EL1: RES1 bits, MMU and caches off, little-endian */
    msr     sctlr_el1, x9
    mov     x9, #0x3c5              /* SPSR: EL1h, DAIF masked */
    msr     spsr_el2, x9
    adr     x9, \then
    msr     elr_el2, x9
    eret
    .endm

    .section .text.boot, "ax"
    .globl _start
_start:
    mrs     x2, CurrentEL           /* the level we were entered at, for aarch64_boot */
    lsr     x2, x2, #2
    drop_to_el1 1f
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

/* Secondary cores released from a spin table (smp.cpp), x0 = 0, MMU off, at EL2 or EL1:
   their CoreState is the one aarch64_spin_table pairs with their MPIDR affinity. */
    .globl aarch64_spin_start
aarch64_spin_start:
    drop_to_el1 1f
1:  mrs     x10, mpidr_el1
    ldr     x9, =0xff00ffffff
    and     x10, x10, x9
    ldr     x11, =aarch64_spin_table
    mov     x12, #64
2:  ldp     x9, x0, [x11], #16
    cmp     x9, x10
    b.eq    3f
    subs    x12, x12, #1
    b.ne    2b
    b       4f                      /* not ours to run: park */
3:  cbnz    x0, aarch64_secondary_started
4:  wfe
    b       4b

/* Secondary cores, started by PSCI CPU_ON with the MMU off (at EL2 where the boot core
   started there): x0 = their CoreState (stack top at offset 0). */
    .globl aarch64_secondary_start
aarch64_secondary_start:
    drop_to_el1 aarch64_secondary_started
aarch64_secondary_started:
    ldr     x9, [x0]
    mov     sp, x9
    bl      cpudriver_secondary_entry
2:  wfi
    b       2b
