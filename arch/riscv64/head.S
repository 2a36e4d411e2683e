/* riscv64 head stub, at offset 0 of the image bundle: OpenSBI enters here in S-mode
   with a0 = hart id and a1 = device tree. Copies this ISA's CPU driver from the bundle to
   its load address (boot table entry 2, bundle.hpp) and jumps to its entry with
   a2 = the bundle's address. Position independent. */
    .section .head, "ax"
    .globl _head
_head:
    auipc   t0, 0               /* t0 = bundle base: this is its first byte */
    li      t1, 0x240 + 2 * 40  /* kBootTable + isa * kBootEntrySize */
    add     t1, t1, t0
    /* Only the first hart may copy the driver: a hart that comes here later (the firmware
       sometimes sends a hart to the kernel's entry instead of holding it for hart_start)
       would copy it over the running one and clear its .bss. The lottery word lies just
       below the driver's load address, in RAM nothing else uses (QEMU starts it zeroed). */
    ld      t4, 16(t1)          /* load address */
    addi    t6, t4, -64
    li      a4, 1
    amoswap.d.aqrl a4, a4, (t6)
    bnez    a4, 4f
    ld      t2, 0(t1)           /* blob offset */
    ld      t3, 8(t1)           /* blob size (a multiple of 8) */
    ld      t4, 16(t1)          /* load address */
    ld      t5, 32(t1)          /* entry */
    beqz    t2, 3f              /* no riscv64 driver in this image */
    add     t2, t2, t0
1:  beqz    t3, 2f
    ld      a3, 0(t2)
    sd      a3, 0(t4)
    addi    t2, t2, 8
    addi    t4, t4, 8
    addi    t3, t3, -8
    j       1b
2:  fence.i
    mv      a2, t0
    jr      t5
3:  wfi
    j       3b
    /* A late hart: back to the firmware's stopped state (SBI HSM hart_stop), from which the
       boot hart's monitor starts it with hart_start when it wants it. */
4:  li      a7, 0x48534D
    li      a6, 1
    ecall
5:  wfi
    j       5b
