/* x86_64 head stub, at offset 0x140 of the image bundle: the Multiboot entry address
   (32-bit protected mode, paging off, eax = 0x2badb002, ebx = Multiboot info). Copies this
   ISA's CPU driver from the bundle to its load address (boot table entry 0, bundle.hpp)
   and jumps to its entry with eax and ebx kept and edx = the bundle's address.
   Multiboot leaves esp undefined: a scratch stack in conventional memory serves the one
   call that finds our address. */
    .code32
    .section .head, "ax"
    .globl _head
_head:
    movl    $0x7000, %esp
    call    1f
1:  popl    %ebp
    subl    $1b, %ebp               /* ebp = bundle base (the head is linked at its offset) */
    movl    0x240(%ebp), %esi       /* kBootTable + 0 * kBootEntrySize: blob offset */
    testl   %esi, %esi
    jz      3f
    addl    %ebp, %esi
    movl    0x248(%ebp), %ecx       /* blob size */
    movl    0x250(%ebp), %edi       /* load address */
    cld
    rep movsb
    movl    0x260(%ebp), %ecx       /* entry */
    movl    %ebp, %edx
    jmp     *%ecx
3:  hlt
    jmp     3b
