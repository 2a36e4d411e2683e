/* riscv64 head stub, at offset 0 of the image bundle: OpenSBI enters here in S-mode
   with a0 = hart id and a1 = device tree. Checks this ISA's boot entry (boot table entry
   2, bundle.hpp: the XOR of its first six words is zero), copies the CPU driver to its
   load address while folding its words into the blob check, and jumps to its entry with
   a2 = the bundle's address only if the copy checks out. Otherwise it prints the bundle's
   refusal message through the SBI console and shuts the machine down (the legacy SBI
   calls, which need no constants: the slot is 128 bytes, so the registers are the ones
   compressed instructions reach). Position independent; a0 and a1 reach the driver
   untouched. */
    .section .head, "ax"
    .globl _head
_head:
    auipc   s0, 0               /* s0 = bundle base: this is its first byte */
    addi    s1, s0, 0x240 + 2 * 56  /* kBootTable + isa * kBootEntrySize */
    ld      a2, 0(s1)           /* blob offset */
    ld      a3, 8(s1)           /* blob size (a multiple of 8) */
    ld      a4, 16(s1)          /* load address */
    ld      t5, 24(s1)          /* entry */
    ld      a5, 40(s1)          /* entry check */
    ld      s1, 32(s1)          /* blob check */
    xor     a5, a5, a2
    xor     a5, a5, a3
    xor     a5, a5, a4
    xor     a5, a5, t5
    xor     a5, a5, s1
    bnez    a5, 9f
    beqz    a2, 9f              /* no riscv64 driver in this image */
    beqz    a3, 9f
    /* Only the first hart may copy the driver: a hart that comes here later (the firmware
       sometimes sends a hart to the kernel's entry instead of holding it for hart_start)
       would copy it over the running one and clear its .bss. The lottery word lies just
       below the driver's load address, in RAM nothing else uses (QEMU starts it zeroed). */
    addi    t6, a4, -64
    li      a5, 1
    amoswap.d.aqrl a5, a5, (t6)
    bnez    a5, 4f
    add     a2, a2, s0
1:  ld      a5, 0(a2)
    xor     s1, s1, a5
    sd      a5, 0(a4)
    addi    a2, a2, 8
    addi    a4, a4, 8
    addi    a3, a3, -8
    bnez    a3, 1b
    bnez    s1, 9f              /* the driver's words do not match its check */
    fence.i
    mv      a2, s0
    jr      t5
    /* Refusal: the message through the legacy SBI console_putchar, then the legacy
       shutdown. */
9:  addi    s1, s0, 0x2e8       /* kRefusal */
2:  lbu     a0, 0(s1)
    beqz    a0, 3f
    li      a7, 1
    ecall
    addi    s1, s1, 1
    j       2b
3:  li      a7, 8
    ecall
    j       5f
    /* A late hart: back to the firmware's stopped state (SBI HSM hart_stop), from which the
       boot hart's monitor starts it with hart_start when it wants it. */
4:  li      a7, 0x48534D
    li      a6, 1
    ecall
5:  wfi
    j       5b
