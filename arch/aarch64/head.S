/* aarch64 head stub, at offset 0x80 of the image bundle: entered at EL1 with the MMU off
   (x0 = device tree or 0). Copies this ISA's CPU driver from the bundle to its load
   address (boot table entry 1, bundle.hpp) and jumps to its entry with x0 kept and
   x1 = the bundle's address. Position independent. */
    .section .head, "ax"
    .globl _head
_head:
    adr     x9, _head
    sub     x9, x9, #0x80           /* x9 = bundle base */
    add     x10, x9, #(0x240 + 40)  /* kBootTable + isa * kBootEntrySize */
    ldr     x11, [x10, #0]          /* blob offset */
    ldr     x12, [x10, #8]          /* blob size (a multiple of 8) */
    ldr     x13, [x10, #16]         /* load address */
    ldr     x14, [x10, #32]         /* entry */
    cbz     x11, 3f
    add     x11, x11, x9
1:  cbz     x12, 2f
    ldr     x15, [x11], #8
    str     x15, [x13], #8
    sub     x12, x12, #8
    b       1b
2:  dsb     sy
    ic      iallu
    dsb     sy
    isb
    mov     x1, x9
    br      x14
3:  wfi
    b       3b
