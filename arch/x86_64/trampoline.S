/* x86_64 application-processor trampoline (Intel SDM vol. 3 8.4.4, 9.9): copied to
   physical 0x8000 and entered there in 16-bit real mode by a SIPI with vector 0x08. Moves
   to protected mode, then long mode with the boot core's identity map, loads the stack
   from the CoreState at tramp_state (stack top at offset 0) and calls tramp_entry with it.
   The boot core fills tramp_cr3, tramp_state and tramp_entry before each start. */
    .set    BASE, 0x8000
    .section .rodata
    .globl  x86_trampoline, x86_trampoline_end
    .globl  x86_tramp_cr3, x86_tramp_state, x86_tramp_entry
    .code16
x86_trampoline:
    cli
    xorw    %ax, %ax
    movw    %ax, %ds
    lgdtl   tramp_gdt_pointer - x86_trampoline + BASE
    movl    %cr0, %eax
    orl     $1, %eax
    movl    %eax, %cr0
    ljmpl   $0x18, $(tramp32 - x86_trampoline + BASE)

    .code32
tramp32:
    movw    $0x10, %ax
    movw    %ax, %ds
    movw    %ax, %es
    movw    %ax, %ss
    movl    %cr4, %eax
    orl     $(1 << 5), %eax
    movl    %eax, %cr4
    movl    x86_tramp_cr3 - x86_trampoline + BASE, %eax
    movl    %eax, %cr3
    movl    $0xc0000080, %ecx
    rdmsr
    orl     $((1 << 8) | (1 << 11)), %eax /* LME, and NXE: the boot core's tables use XD */
    wrmsr
    movl    %cr0, %eax
    orl     $((1 << 31) | 1), %eax
    movl    %eax, %cr0
    ljmp    $0x08, $(tramp64 - x86_trampoline + BASE)

    .code64
tramp64:
    movq    x86_tramp_state - x86_trampoline + BASE, %rdi
    movq    (%rdi), %rsp
    movq    x86_tramp_entry - x86_trampoline + BASE, %rax
    call    *%rax
1:  hlt
    jmp     1b

    .align  8
tramp_gdt:
    .quad   0
    .quad   0x00af9a000000ffff       /* 0x08: 64-bit code, as in boot.S (the IDT's selector) */
    .quad   0x00cf92000000ffff       /* 0x10: data */
    .quad   0x00cf9a000000ffff       /* 0x18: 32-bit code, for the step through protected mode */
tramp_gdt_end:
tramp_gdt_pointer:
    .word   tramp_gdt_end - tramp_gdt - 1
    .long   tramp_gdt - x86_trampoline + BASE
    .align  8
x86_tramp_cr3:   .quad 0
x86_tramp_state: .quad 0
x86_tramp_entry: .quad 0
x86_trampoline_end:
