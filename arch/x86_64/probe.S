/* Probing accesses (cpudriver/include/mosaic/cpudriver/arch.hpp): a fault at a probe
   instruction resumes at x86_probe_fixup, which returns false. */
    .section .text
    .globl mosaic_probe_read, mosaic_probe_write, x86_probe_read_insn, x86_probe_write_insn, x86_probe_fixup
mosaic_probe_read:                  /* rdi = va, rsi = where to store the value */
x86_probe_read_insn:
    movq    (%rdi), %rax
    movq    %rax, (%rsi)
    movl    $1, %eax
    ret
mosaic_probe_write:                 /* rdi = va, rsi = value */
x86_probe_write_insn:
    movq    %rsi, (%rdi)
    movl    $1, %eax
    ret
x86_probe_fixup:
    xorl    %eax, %eax
    ret
