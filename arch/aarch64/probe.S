/* Probing accesses (cpudriver/include/mosaic/cpudriver/arch.hpp): a fault at a probe
   instruction resumes at aarch64_probe_fixup, which returns false. */
    .section .text
    .globl mosaic_probe_read, mosaic_probe_write, aarch64_probe_read_insn, aarch64_probe_write_insn, aarch64_probe_fixup
mosaic_probe_read:                  /* x0 = va, x1 = where to store the value */
aarch64_probe_read_insn:
    ldr     x2, [x0]
    str     x2, [x1]
    mov     x0, #1
    ret
mosaic_probe_write:                 /* x0 = va, x1 = value */
aarch64_probe_write_insn:
    str     x1, [x0]
    mov     x0, #1
    ret
aarch64_probe_fixup:
    mov     x0, #0
    ret
