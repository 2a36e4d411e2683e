/* Probing accesses (cpudriver/include/mosaic/cpudriver/arch.hpp): a fault at a probe
   instruction resumes at riscv_probe_fixup, which returns false. */
    .section .text
    .globl mosaic_probe_read, mosaic_probe_write, riscv_probe_read_insn, riscv_probe_write_insn, riscv_probe_fixup
mosaic_probe_read:                  /* a0 = va, a1 = where to store the value */
riscv_probe_read_insn:
    ld      t0, 0(a0)
    sd      t0, 0(a1)
    li      a0, 1
    ret
mosaic_probe_write:                 /* a0 = va, a1 = value */
riscv_probe_write_insn:
    sd      a1, 0(a0)
    li      a0, 1
    ret
riscv_probe_fixup:
    li      a0, 0
    ret
