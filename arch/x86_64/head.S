/* x86_64 head stub, at offset 0x140 of the image bundle: the Multiboot entry address
   (32-bit protected mode, paging off, eax = 0x2badb002, ebx = Multiboot info). Checks this
   ISA's boot entry (boot table entry 0, bundle.hpp: the XOR of its first six 64-bit words,
   here twelve 32-bit ones, is zero), copies the CPU driver to its load address while
   folding its words into the blob check (the 64-bit check folded to 32 bits), and jumps
   to its entry with eax and ebx kept and edx = the bundle's address only if the copy
   checks out. Otherwise it prints the bundle's refusal message on COM1 and leaves through
   QEMU's isa-debug-exit (status 3), or halts where there is none.
   Multiboot leaves esp undefined: a scratch stack in conventional memory serves the one
   call that finds our address and keeps eax and ebx. */
    .code32
    .section .head, "ax"
    .globl _head
_head:
    movl    $0x7000, %esp
    call    1f
1:  popl    %ebp
    subl    $1b, %ebp               /* ebp = bundle base (the head is linked at its offset) */
    pushl   %eax
    pushl   %ebx
    cld
    leal    0x240(%ebp), %esi       /* kBootTable + 0 * kBootEntrySize */
    movl    $12, %ecx
    xorl    %edx, %edx
2:  lodsl
    xorl    %eax, %edx
    loop    2b
    testl   %edx, %edx
    jnz     9f
    movl    0x240(%ebp), %esi       /* blob offset */
    testl   %esi, %esi
    jz      9f                      /* no x86_64 driver in this image */
    addl    %ebp, %esi
    movl    0x248(%ebp), %ecx       /* blob size (a multiple of 8) */
    shrl    $2, %ecx
    jz      9f
    movl    0x250(%ebp), %edi       /* load address */
    movl    0x260(%ebp), %edx       /* blob check, folded */
    xorl    0x264(%ebp), %edx
3:  lodsl
    xorl    %eax, %edx
    stosl
    loop    3b
    testl   %edx, %edx
    jnz     9f                      /* the driver's words do not match its check */
    popl    %ebx
    popl    %eax
    movl    0x258(%ebp), %ecx       /* entry */
    movl    %ebp, %edx
    jmp     *%ecx
    /* Refusal: the message on COM1 (polling the line status for room), then exit. */
9:  leal    0x2e8(%ebp), %esi       /* kRefusal */
4:  movw    $0x3fd, %dx             /* line status register */
5:  inb     %dx, %al
    testb   $0x20, %al
    jz      5b
    lodsb
    testb   %al, %al
    jz      6f
    movw    $0x3f8, %dx
    outb    %al, %dx
    jmp     4b
6:  movw    $0xf4, %dx              /* isa-debug-exit: (1 << 1) | 1 = 3, fail */
    movl    $1, %eax
    outl    %eax, %dx
7:  hlt
    jmp     7b
