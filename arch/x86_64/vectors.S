/* x86_64 interrupt and exception entry stubs for vectors 0-47 and the system call
   (int $0x80): each pushes an error code (0 where the CPU pushes none) and its vector.
   trap_common sends what interrupted user mode (CPL 3) to x86_user_trap_entry
   (user_entry.S); for the CPU driver itself it saves the general registers into a
   TrapFrame (io.hpp) and calls x86_trap(frame). x86_vector_stubs is the table of stub
   addresses the IDT is built from. */
    .altmacro
    .macro stub n
    .align  16
stub_\n:
    .if (\n == 8) || ((\n >= 10) && (\n <= 14)) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
    .else
    pushq   $0
    .endif
    pushq   $\n
    jmp     trap_common
    .endm

    .macro stub_address n
    .quad   stub_\n
    .endm

    .section .text
    .set    i, 0
    .rept   48
    stub    %i
    .set    i, i + 1
    .endr

    .align  16
    .globl  x86_syscall_stub
x86_syscall_stub:
    pushq   $0
    pushq   $0x80                    /* x86::kVectorSyscall */
    jmp     trap_common

trap_common:
    testb   $3, 24(%rsp)             /* the interrupted CS's privilege level */
    jnz     x86_user_trap_entry
    pushq   %rax
    pushq   %rbx
    pushq   %rcx
    pushq   %rdx
    pushq   %rsi
    pushq   %rdi
    pushq   %rbp
    pushq   %r8
    pushq   %r9
    pushq   %r10
    pushq   %r11
    pushq   %r12
    pushq   %r13
    pushq   %r14
    pushq   %r15
    movq    %rsp, %rdi
    cld
    call    x86_trap
    popq    %r15
    popq    %r14
    popq    %r13
    popq    %r12
    popq    %r11
    popq    %r10
    popq    %r9
    popq    %r8
    popq    %rbp
    popq    %rdi
    popq    %rsi
    popq    %rdx
    popq    %rcx
    popq    %rbx
    popq    %rax
    addq    $16, %rsp                /* vector and error code */
    iretq

    .section .rodata
    .align  8
    .globl  x86_vector_stubs
x86_vector_stubs:
    .set    i, 0
    .rept   48
    stub_address %i
    .set    i, i + 1
    .endr
