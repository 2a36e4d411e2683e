/* aarch64 head stub, at offset 0x80 of the image bundle: entered at EL2 or EL1 with the MMU
   off (x0 = device tree or 0). Checks this ISA's boot entry (boot table entry 1, bundle.hpp:
   the XOR of its first six words is zero), copies the CPU driver to its load address while
   folding its words into the blob check, and jumps to its entry with x0 kept and x1 = the
   bundle's address only if the copy checks out. Otherwise it prints the bundle's refusal
   message through semihosting (the QEMU boards enable it) and powers off through PSCI (on
   a board with neither, such as a Pi, the refusal is silent: 128 bytes hold no UART driver).
   Position independent; 32 instructions fill the 128-byte slot. */
    .section .head, "ax"
    .globl _head
_head:
    adr     x1, _head - 0x80                /* x1 = bundle base */
    adr     x10, _head - 0x80 + 0x240 + 56  /* kBootTable + isa * kBootEntrySize */
    ldp     x11, x12, [x10, #0]             /* blob offset, blob size (a multiple of 8) */
    ldp     x13, x14, [x10, #16]            /* load address, entry */
    ldp     x16, x17, [x10, #32]            /* blob check, entry check */
    eor     x17, x17, x11
    eor     x17, x17, x12
    eor     x17, x17, x13
    eor     x17, x17, x14
    eor     x17, x17, x16
    cbnz    x17, 9f
    cbz     x11, 9f                         /* no aarch64 driver in this image */
    cbz     x12, 9f
    add     x11, x11, x1
1:  ldr     x15, [x11], #8
    eor     x16, x16, x15
    str     x15, [x13], #8
    subs    x12, x12, #8
    b.ne    1b
    cbnz    x16, 9f                         /* the driver's words do not match its check */
    dsb     sy
    ic      iallu
    dsb     sy
    isb
    br      x14
9:  mov     x0, #4                          /* semihosting SYS_WRITE0 */
    adr     x1, _head - 0x80 + 0x2e8        /* kRefusal */
    hlt     #0xf000
    movz    x0, #0x0008                     /* PSCI SYSTEM_OFF */
    movk    x0, #0x8400, lsl #16
    hvc     #0
    b       .
