/* x86_64 CPU driver entry, 32-bit protected mode: eax = Multiboot magic, ebx = Multiboot
   info, edx = image bundle. Clears .bss, identity-maps the first 4 GiB with 2 MiB pages
   (uncached above 3 GiB, where the devices are), enters long mode (Intel SDM vol. 3
   9.8.5) and calls x86_boot(magic, info, bundle) in C++. */
    .code32
    .section .text.boot, "ax"
    .globl _start
_start:
    movl    $__boot_stack_top, %esp
    pushl   %edx
    pushl   %ebx
    pushl   %eax
    movl    $__bss_start, %edi
    movl    $__bss_end, %ecx
    subl    %edi, %ecx
    xorl    %eax, %eax
    cld
    rep stosb
    popl    boot_magic
    popl    boot_info
    popl    boot_bundle

    /* PML4[0] -> PDPT; PDPT[0..3] -> four page directories of 2 MiB pages. */
    movl    $pdpt, %eax
    orl     $0x3, %eax
    movl    %eax, pml4
    xorl    %ecx, %ecx
1:  movl    %ecx, %eax
    shll    $12, %eax
    addl    $page_dirs, %eax
    orl     $0x3, %eax
    movl    %eax, pdpt(, %ecx, 8)
    incl    %ecx
    cmpl    $4, %ecx
    jne     1b
    xorl    %ecx, %ecx
2:  movl    %ecx, %eax
    shll    $21, %eax                /* physical address of 2 MiB page ecx (low 32 bits) */
    orl     $0x83, %eax              /* present, writable, page size */
    cmpl    $1536, %ecx
    jb      3f
    orl     $0x18, %eax              /* PWT | PCD: uncached device space above 3 GiB */
3:  movl    %eax, page_dirs(, %ecx, 8)
    incl    %ecx
    cmpl    $2048, %ecx
    jne     2b

    movl    $pml4, %eax
    movl    %eax, %cr3
    movl    %cr4, %eax
    orl     $(1 << 5), %eax          /* PAE */
    movl    %eax, %cr4
    movl    $0xc0000080, %ecx        /* EFER */
    rdmsr
    orl     $(1 << 8), %eax          /* LME */
    wrmsr
    movl    %cr0, %eax
    orl     $((1 << 31) | 1), %eax   /* PG | PE */
    movl    %eax, %cr0
    lgdt    gdt_pointer
    ljmp    $0x08, $long_mode

    .code64
long_mode:
    movw    $0x10, %ax
    movw    %ax, %ds
    movw    %ax, %es
    movw    %ax, %ss
    xorw    %ax, %ax
    movw    %ax, %fs
    movw    %ax, %gs
    movq    $__boot_stack_top, %rsp
    movl    boot_magic, %edi
    movl    boot_info, %esi
    movl    boot_bundle, %edx
    call    x86_boot
4:  hlt
    jmp     4b

    .section .rodata
    .align  16
gdt:
    .quad   0
    .quad   0x00af9a000000ffff       /* 0x08: 64-bit code, DPL 0 */
    .quad   0x00cf92000000ffff       /* 0x10: data, DPL 0 */
gdt_end:
    .align  4
gdt_pointer:
    .word   gdt_end - gdt - 1
    .long   gdt

    .section .bss
    .align  4096
pml4:       .skip 4096
pdpt:       .skip 4096
page_dirs:  .skip 4 * 4096
boot_magic: .skip 4
boot_info:  .skip 4
boot_bundle: .skip 4
